package io.trellis.waypoint.proxy;

import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.waypoint.telemetry.AccessLog;
import io.trellis.waypoint.telemetry.RequestMetrics;
import io.trellis.waypoint.telemetry.Tracing;
import java.util.function.Supplier;

/**
 * What every exchange shares: settings, the upstream HBONE pool, the current config snapshot and
 * the request metrics, access log and tracer.
 */
record ProxyContext(ProxySettings settings, HboneClientPool pool, Supplier<ConfigSnapshot> snapshot,
        RequestMetrics metrics, AccessLog accessLog, Tracing tracing) {}
