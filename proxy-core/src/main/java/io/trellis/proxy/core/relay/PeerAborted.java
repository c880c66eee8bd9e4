package io.trellis.proxy.core.relay;

/**
 * User event: the remote end aborted this byte stream (for example an HTTP/2 RST_STREAM). The relay
 * answers by aborting the other side so the application there sees a reset, not a clean end.
 *
 * @param reason human-readable cause, e.g. {@code "RST_STREAM CANCEL from 10.0.2.7:15008"}
 */
public record PeerAborted(String reason) {}
