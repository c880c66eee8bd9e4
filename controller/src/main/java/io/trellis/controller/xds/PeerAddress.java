package io.trellis.controller.xds;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.SocketAddress;

/** Makes the caller's address available to service code, for logs and the status API. */
public final class PeerAddress implements ServerInterceptor {

    private static final Context.Key<String> KEY = Context.key("trellis-peer");

    /** The calling peer's address, or {@code unknown} outside a call. */
    public static String current() {
        String peer = KEY.get();
        return peer == null ? "unknown" : peer;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        Context ctx = Context.current().withValue(KEY, remote == null ? "unknown" : remote.toString());
        return Contexts.interceptCall(ctx, call, headers, next);
    }
}
