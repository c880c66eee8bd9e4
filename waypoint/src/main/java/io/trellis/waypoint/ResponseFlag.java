package io.trellis.waypoint;

/**
 * Why a request did not get an ordinary upstream response, using the short codes of Envoy's
 * {@code %RESPONSE_FLAGS%} so Istio dashboards and alerts keep working unchanged.
 *
 * <p>This is the one place the waypoint enumerates them: routing, load balancing and resilience
 * code return these values and the data path only copies them into logs and the
 * {@code response_flags} metric label.
 */
public enum ResponseFlag {
  /** No route matched the request (answered 404). */
  NO_ROUTE("NR"),
  /** No healthy upstream endpoint: all ejected or unhealthy (answered 503). */
  NO_HEALTHY_UPSTREAM("UH"),
  /** The upstream connection could not be established (answered 503 once retries give up). */
  UPSTREAM_CONNECTION_FAILURE("UF"),
  /** A circuit breaker overflowed: too many connections, pending requests or requests (503). */
  UPSTREAM_OVERFLOW("UO"),
  /** The request or per-try timeout fired before the upstream answered (answered 504). */
  UPSTREAM_REQUEST_TIMEOUT("UT"),
  /** Retries were wanted but the retry limit (attempts, breaker or budget) was reached. */
  UPSTREAM_RETRY_LIMIT_EXCEEDED("URX"),
  /** The downstream (client) closed the connection before the response was complete. */
  DOWNSTREAM_CONNECTION_TERMINATION("DC"),
  /** The upstream connection was closed or reset mid-request. */
  UPSTREAM_CONNECTION_TERMINATION("UC"),
  /** The upstream stream was reset. */
  UPSTREAM_REMOTE_RESET("UR"),
  /** A fault-injection filter delayed the request. */
  DELAY_INJECTED("DI"),
  /** A fault-injection filter aborted the request. */
  FAULT_INJECTED("FI"),
  /**
   * The client did not send a whole request head in time (slowloris): answered 408 on HTTP/1.1, a
   * GOAWAY on HTTP/2, then closed. Trellis' own code: Envoy reports this case only in the response
   * code details ({@code request_header_timeout}), which the access log carries as well.
   */
  REQUEST_HEADER_TIMEOUT("RHT");

  private final String code;

  ResponseFlag(String code) {
    this.code = code;
  }

  /** The Envoy short code, e.g. {@code UO}. */
  public String code() {
    return code;
  }
}
