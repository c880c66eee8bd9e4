package io.trellis.perf.load;

/**
 * Puts one request on the wire for a {@link Lane}. The sender must call
 * {@link Lane#completed(long, boolean)} exactly once per {@link #send(long)} with the same intended
 * time (or {@link Lane#connectionLost()} when it can no longer answer for what is in flight).
 */
interface RequestSender {

    /** Sends a request that was due at {@code intendedNanos}. */
    void send(long intendedNanos);

    /** Joins the lane that will be told of completions; before the first {@link #send(long)}. */
    void bind(Lane lane);
}
