package io.trellis.proxy.core.relay;

import java.io.Serial;
import java.nio.channels.ClosedChannelException;

/**
 * The abort cause when one side of a relay closed before both directions ended cleanly: a peer's reset, or a close
 * without a half-close. It is how most proxied connections whose client resets end, so it carries no stack trace
 * (filling one in for every such connection cost the event loop more than the rest of the abort); the relay's
 * origin channel says where it happened.
 */
final class SideClosed extends ClosedChannelException {

    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    @Override
    public String getMessage() {
        return "the other side of the relay closed before both directions ended";
    }
}
