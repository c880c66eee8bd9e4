package io.trellis.controller.ca;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import org.jspecify.annotations.Nullable;

/** Hands the {@code authorization: Bearer <token>} metadata of a call to the service code. */
public final class BearerToken implements ServerInterceptor {

    public static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> KEY = Context.key("trellis-bearer-token");
    private static final String PREFIX = "Bearer ";

    /** The bearer token of the current call, or null when it sent none. */
    static @Nullable String current() {
        return KEY.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String value = headers.get(AUTHORIZATION);
        if (value == null || !value.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            return next.startCall(call, headers);
        }
        Context ctx = Context.current().withValue(KEY, value.substring(PREFIX.length()).strip());
        return Contexts.interceptCall(ctx, call, headers, next);
    }
}
