package io.trellis.waypoint.telemetry;

import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.extension.trace.propagation.B3Propagator;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The waypoint's tracer: one server span per downstream request and one client span per upstream
 * attempt ({@link RequestTrace}), exported over OTLP/HTTP by the OpenTelemetry SDK's batch
 * processor (a bounded queue drained off the event loops; spans are dropped, never blocked on,
 * when the collector is slow).
 *
 * <p>Context arrives as W3C {@code traceparent}/{@code tracestate} or B3 (single {@code b3} header
 * or {@code X-B3-*} headers) and is continued; upstream requests carry all three forms, so an
 * application instrumented with either library joins the trace.
 *
 * <p>{@link #disabled()} (no endpoint configured) builds no SDK at all and every request gets the
 * shared {@link RequestTrace#NOOP}: tracing off costs one branch per request.
 */
public final class Tracing implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);
    private static final String SCOPE = "io.trellis.waypoint";

    /** W3C first, then B3: a request carrying both is continued from its B3 headers (the later extractor wins). */
    static final TextMapPropagator PROPAGATOR = TextMapPropagator.composite(W3CTraceContextPropagator.getInstance(),
            B3Propagator.injectingSingleHeader(), B3Propagator.injectingMultiHeaders());

    static final TextMapGetter<HttpHeaders> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.names();
        }

        @Override
        public @Nullable String get(@Nullable HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    static final TextMapSetter<HttpHeaders> SETTER = (carrier, key, value) -> {
        if (carrier != null) {
            carrier.set(key, value);
        }
    };

    private final @Nullable SdkTracerProvider provider;
    private final @Nullable Tracer tracer;

    private Tracing(@Nullable SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider == null ? null : provider.get(SCOPE);
    }

    /** No tracing: no SDK, no exporter, no headers added. */
    public static Tracing disabled() {
        return new Tracing(null);
    }

    /** The tracer {@code settings} ask for: {@link #disabled()} without an endpoint, else OTLP/HTTP export. */
    public static Tracing create(TracingSettings settings) {
        if (settings.tracesEndpoint() == null) {
            return disabled();
        }
        OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder()
                .setEndpoint(settings.tracesEndpoint().toString())
                .build();
        Resource resource = Resource.getDefault().merge(Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), settings.serviceName())));
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(resource)
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.samplingRatio())))
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).build())
                .build();
        LOG.info("event=tracing_enabled endpoint={} sampling={}", settings.tracesEndpoint(), settings.samplingRatio());
        return new Tracing(provider);
    }

    /** Whether spans are recorded and exported. */
    public boolean enabled() {
        return tracer != null;
    }

    /**
     * Starts the server span of a downstream request, continuing the trace its headers carry.
     *
     * @param headers the downstream request headers ({@code traceparent}, {@code b3}, {@code x-b3-*})
     * @param protocolVersion {@code 1.1} or {@code 2}
     */
    public RequestTrace startRequest(HttpHeaders headers, String method, String path, String authority,
            String protocolVersion) {
        Tracer t = tracer;
        if (t == null) {
            return RequestTrace.NOOP;
        }
        Context parent = PROPAGATOR.extract(Context.root(), headers, GETTER);
        int q = path.indexOf('?');
        var builder = t.spanBuilder(method).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", method)
                .setAttribute("url.path", q < 0 ? path : path.substring(0, q))
                .setAttribute("url.scheme", "http")
                .setAttribute("server.address", RequestTrace.host(authority))
                .setAttribute("network.protocol.version", protocolVersion)
                .setAttribute("component", "proxy");
        if (q >= 0) {
            builder.setAttribute("url.query", path.substring(q + 1));
        }
        String userAgent = headers.get("user-agent");
        if (userAgent != null) {
            builder.setAttribute("user_agent.original", userAgent);
        }
        Span server = builder.startSpan();
        return new RequestTrace(t, server, method);
    }

    /** Exports what is queued now; for tests and shutdown. */
    public CompletableResultCode flush() {
        SdkTracerProvider p = provider;
        return p == null ? CompletableResultCode.ofSuccess() : p.forceFlush();
    }

    /** Flushes and stops the exporter (waits up to 5 s for the collector). */
    @Override
    public void close() {
        SdkTracerProvider p = provider;
        if (p != null) {
            p.shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
