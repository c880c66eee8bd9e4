package io.trellis.waypoint.config;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.trellis.waypoint.resilience.FaultInjection;
import java.time.Duration;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** A route's {@code typed_per_filter_config["envoy.filters.http.fault"]} ({@code HTTPFault}). */
final class FaultTranslator {
  /** The filter name under which a route carries its fault configuration. */
  static final String FILTER_NAME = "envoy.filters.http.fault";

  private static final Set<String> HTTP_FAULT = Set.of("delay", "abort");
  private static final Set<String> DELAY = Set.of("fixed_delay", "percentage");
  private static final Set<String> ABORT = Set.of("http_status", "grpc_status", "percentage");
  private static final Set<String> FRACTION = Set.of("numerator", "denominator");

  private FaultTranslator() {}

  static @Nullable FaultInjection translate(Any any, String path, ValidationErrors errors) {
    if (!any.is(HTTPFault.class)) {
      errors.add(path, "expected envoy.extensions.filters.http.fault.v3.HTTPFault, got '" + any.getTypeUrl() + "'");
      return null;
    }
    HTTPFault f;
    try {
      f = any.unpack(HTTPFault.class);
    } catch (InvalidProtocolBufferException e) {
      errors.add(path, "cannot decode HTTPFault: " + e.getMessage());
      return null;
    }
    ProtoFields.onlySupported(f, path, errors, HTTP_FAULT);
    FaultInjection.Delay delay = f.hasDelay() ? delay(f.getDelay(), path + ".delay", errors) : null;
    FaultInjection.Abort abort = f.hasAbort() ? abort(f.getAbort(), path + ".abort", errors) : null;
    if ((f.hasDelay() && delay == null) || (f.hasAbort() && abort == null)) {
      return null;
    }
    return new FaultInjection(delay, abort);
  }

  private static FaultInjection.@Nullable Delay delay(FaultDelay d, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(d, path, errors, DELAY);
    if (!d.hasFixedDelay()) {
      errors.add(path + ".fixed_delay", "is required");
      return null;
    }
    Duration fixed = ProtoFields.duration(d.getFixedDelay(), path + ".fixed_delay", errors);
    Integer ppm = ppm(d.getPercentage(), path + ".percentage", errors);
    return fixed == null || ppm == null ? null : new FaultInjection.Delay(fixed, ppm);
  }

  private static FaultInjection.@Nullable Abort abort(FaultAbort a, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(a, path, errors, ABORT);
    Integer ppm = ppm(a.getPercentage(), path + ".percentage", errors);
    return switch (a.getErrorTypeCase()) {
      case HTTP_STATUS -> {
        if (a.getHttpStatus() < 200 || a.getHttpStatus() > 599) {
          errors.add(path + ".http_status", "must be in [200, 599], got " + Integer.toUnsignedString(a.getHttpStatus()));
          yield null;
        }
        yield ppm == null ? null : new FaultInjection.Abort(a.getHttpStatus(), null, ppm);
      }
      case GRPC_STATUS -> {
        if (a.getGrpcStatus() < 0 || a.getGrpcStatus() > 16) {
          errors.add(path + ".grpc_status", "must be in [0, 16], got " + Integer.toUnsignedString(a.getGrpcStatus()));
          yield null;
        }
        yield ppm == null ? null : new FaultInjection.Abort(200, a.getGrpcStatus(), ppm);
      }
      case ERRORTYPE_NOT_SET -> {
        errors.add(path, "one of http_status or grpc_status is required");
        yield null;
      }
      default -> null; // header_abort: reported by onlySupported
    };
  }

  /** Parts per million; an unset percentage is 0 %, as proto3 makes it in Envoy. */
  private static @Nullable Integer ppm(FractionalPercent f, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(f, path, errors, FRACTION);
    long scale = switch (f.getDenominator()) {
      case HUNDRED -> 10_000;
      case TEN_THOUSAND -> 100;
      case MILLION -> 1;
      default -> 0;
    };
    if (scale == 0) {
      errors.add(path + ".denominator", "unknown value " + f.getDenominatorValue());
      return null;
    }
    return (int) Math.min(FaultInjection.ALL, Integer.toUnsignedLong(f.getNumerator()) * scale);
  }
}
