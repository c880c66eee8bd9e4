package io.trellis.waypoint.telemetry;

import java.net.URI;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Where and how much the waypoint traces. Read from the environment in one place
 * ({@link #fromEnvironment}):
 *
 * <ul>
 *   <li>{@value #ENDPOINT_ENV}: the OTLP/HTTP collector, e.g. {@code http://otel-collector:4318}
 *       (spans go to {@code <endpoint>/v1/traces}; a URL already ending in {@code /v1/traces} is
 *       used as is). Unset or empty: tracing is off and costs nothing (no SDK, no-op spans).
 *   <li>{@value #SAMPLING_ENV}: the share of new traces to sample, {@code 0.0}..{@code 1.0},
 *       default {@value #DEFAULT_SAMPLING} (Istio's 1 %). Parent-based: a request whose
 *       {@code traceparent}/B3 headers say "sampled" (or "not sampled") is followed as told.
 * </ul>
 *
 * @param tracesEndpoint the full OTLP/HTTP traces URL, or null when tracing is off
 * @param samplingRatio the share of root traces sampled
 * @param serviceName the {@code service.name} of the exported spans
 */
public record TracingSettings(@Nullable URI tracesEndpoint, double samplingRatio, String serviceName) {

    /** The collector base URL (OTLP/HTTP). */
    public static final String ENDPOINT_ENV = "TRELLIS_OTLP_ENDPOINT";
    /** The root sampling ratio. */
    public static final String SAMPLING_ENV = "TRELLIS_TRACE_SAMPLING";
    /** Istio's default sampling: 1 %. */
    public static final double DEFAULT_SAMPLING = 0.01;
    /** The {@code service.name} resource attribute of the waypoint's spans. */
    public static final String DEFAULT_SERVICE_NAME = "trellis-waypoint";

    /** Validates. */
    public TracingSettings {
        if (!(samplingRatio >= 0.0 && samplingRatio <= 1.0)) {
            throw new IllegalArgumentException(SAMPLING_ENV + " must be between 0.0 and 1.0, got " + samplingRatio);
        }
        if (tracesEndpoint != null && !("http".equals(tracesEndpoint.getScheme()) || "https".equals(tracesEndpoint.getScheme()))) {
            throw new IllegalArgumentException(ENDPOINT_ENV + " must be an http:// or https:// URL, got " + tracesEndpoint);
        }
    }

    /** Tracing off. */
    public static TracingSettings disabled() {
        return new TracingSettings(null, DEFAULT_SAMPLING, DEFAULT_SERVICE_NAME);
    }

    /** Spans to the OTLP/HTTP collector at {@code baseUrl}, sampling {@code ratio} of new traces. */
    public static TracingSettings otlp(String baseUrl, double ratio) {
        return new TracingSettings(tracesUrl(baseUrl), ratio, DEFAULT_SERVICE_NAME);
    }

    /**
     * The settings named by {@value #ENDPOINT_ENV} and {@value #SAMPLING_ENV} in {@code env}.
     *
     * @throws IllegalArgumentException naming the variable when a value is malformed
     */
    public static TracingSettings fromEnvironment(Map<String, String> env) {
        String endpoint = env.getOrDefault(ENDPOINT_ENV, "").strip();
        String sampling = env.getOrDefault(SAMPLING_ENV, "").strip();
        double ratio = DEFAULT_SAMPLING;
        if (!sampling.isEmpty()) {
            try {
                ratio = Double.parseDouble(sampling);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(SAMPLING_ENV + " must be a number between 0.0 and 1.0, got '"
                        + sampling + "'", e);
            }
        }
        if (endpoint.isEmpty()) {
            return new TracingSettings(null, ratio, DEFAULT_SERVICE_NAME);
        }
        return otlp(endpoint, ratio);
    }

    /** Whether spans are exported at all. */
    public boolean enabled() {
        return tracesEndpoint != null;
    }

    private static URI tracesUrl(String baseUrl) {
        URI uri;
        try {
            uri = URI.create(baseUrl);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ENDPOINT_ENV + " is not a URL: '" + baseUrl + "'", e);
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (path.endsWith("/v1/traces")) {
            return uri;
        }
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return URI.create(base + "/v1/traces");
    }
}
