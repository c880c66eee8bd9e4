package io.trellis.waypoint.proxy;

import io.netty.handler.codec.http.HttpObject;
import io.trellis.waypoint.ResponseFlag;
import io.trellis.waypoint.resilience.AttemptOutcome;

/** What an {@link UpstreamAttempt} reports; every call runs on the listener's own event loop. */
interface AttemptListener {

    /** The tunnel is open and the codec installed: the request may be written. */
    void ready(UpstreamAttempt attempt);

    /** A response part; ownership passes to the listener. */
    void response(UpstreamAttempt attempt, HttpObject part);

    /** The attempt failed or its stream ended (ignored if its response was already complete). */
    void failed(UpstreamAttempt attempt, AttemptOutcome outcome, ResponseFlag flag, String detail);

    /** The upstream can take more request body again. */
    void writable(UpstreamAttempt attempt);
}
