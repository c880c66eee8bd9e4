package io.trellis.waypoint.proxy;

import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.waypoint.telemetry.AccessLog;
import io.trellis.waypoint.telemetry.RequestMetrics;
import io.trellis.waypoint.telemetry.Tracing;
import java.util.function.Supplier;

/**
 * What every exchange shares: settings, the upstream HBONE pool, the current config snapshot, the
 * request metrics, access log and tracer, and the header-read deadlines of the downstream tunnels.
 */
record ProxyContext(ProxySettings settings, HboneClientPool pool, Supplier<ConfigSnapshot> snapshot,
        RequestMetrics metrics, AccessLog accessLog, Tracing tracing, HeaderDeadlines headerDeadlines) {}
