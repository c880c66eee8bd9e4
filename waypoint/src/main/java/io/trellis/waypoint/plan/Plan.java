package io.trellis.waypoint.plan;

import io.trellis.waypoint.ResponseFlag;
import io.trellis.waypoint.authz.AuthzDecision;
import io.trellis.waypoint.resilience.RetryPolicy;
import io.trellis.waypoint.route.HeaderModifier;
import io.trellis.waypoint.route.Request;
import io.trellis.waypoint.route.Route;
import io.trellis.waypoint.route.Timeouts;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** What the data path does with one request, decided by {@link RequestPlanner}. */
public sealed interface Plan {

  /**
   * Send the request upstream.
   *
   * @param route the matched route, for logs
   * @param cluster the chosen backend cluster
   * @param upstreamRequest the request to send: path rewritten, authority rewritten, request
   *     header modifiers applied
   * @param mirrorClusters clusters that get a fire-and-forget copy of the request
   * @param timeouts the request and per-try timeouts
   * @param retry the retry policy, or null
   * @param hashKey the key for a ring-hash balancer, or null
   * @param responseHeaders changes to apply to the response sent downstream
   * @param injectedDelay a fault-injected delay to wait before forwarding ({@link Duration#ZERO}
   *     for none; log flag {@code DI} otherwise)
   */
  record Forward(
      Route route,
      String cluster,
      Request upstreamRequest,
      List<String> mirrorClusters,
      Timeouts timeouts,
      @Nullable RetryPolicy retry,
      @Nullable String hashKey,
      HeaderModifier responseHeaders,
      Duration injectedDelay)
      implements Plan {
    /** Makes an immutable copy. */
    public Forward {
      mirrorClusters = List.copyOf(mirrorClusters);
    }
  }

  /**
   * Fault injection aborts the request: after {@code injectedDelay}, answer {@code status} (with
   * {@code grpc-status} if set) and log flag {@link ResponseFlag#FAULT_INJECTED}.
   *
   * @param route the matched route
   * @param status the HTTP status
   * @param grpcStatus the gRPC status for gRPC requests, or null
   * @param injectedDelay a delay to wait first, possibly zero
   * @param responseHeaders changes to apply to the response
   */
  record Abort(Route route, int status, @Nullable Integer grpcStatus, Duration injectedDelay, HeaderModifier responseHeaders)
      implements Plan {
    /** Always {@link ResponseFlag#FAULT_INJECTED}. */
    public ResponseFlag flag() {
      return ResponseFlag.FAULT_INJECTED;
    }
  }

  /**
   * Answer locally without an upstream: a redirect, a direct response or an error.
   *
   * @param status the HTTP status
   * @param body the body (empty for redirects and most errors)
   * @param location the {@code Location} header for a redirect, else null
   * @param flag the response flag for logs and metrics, or null for a configured response
   * @param responseHeaders changes to apply to the response
   * @param detail a short reason for the access log, e.g. {@code route_not_found}
   */
  record Respond(
      int status,
      String body,
      @Nullable String location,
      @Nullable ResponseFlag flag,
      HeaderModifier responseHeaders,
      String detail)
      implements Plan {}

  /**
   * Authorization denied the request: answer 403.
   *
   * @param decision the decision with the deciding policy, for the access log
   */
  record Deny(AuthzDecision decision) implements Plan {
    /** The status to send: 403. */
    public int status() {
      return 403;
    }
  }
}
