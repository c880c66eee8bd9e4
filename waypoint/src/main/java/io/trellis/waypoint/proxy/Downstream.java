package io.trellis.waypoint.proxy;

import io.netty.channel.Channel;

/** The client side of one exchange: where the response goes and how more request body is asked for. */
interface Downstream {

    /** The channel that takes the response as {@code HttpObject}s. */
    Channel channel();

    /** {@code HTTP/1.1} or {@code HTTP/2}. */
    String protocol();

    /** The HBONE connection this request arrived on. */
    ConnectionInfo connection();

    /** Asks for the next piece of the request body. */
    void requestMoreBody();

    /**
     * The exchange is over: the response was written (or the exchange aborted).
     *
     * @param reusable whether the connection may carry another request (HTTP/1.1 keep-alive)
     */
    void exchangeDone(boolean reusable);

    /** HTTP/1.1 only: hand the raw connection over after a {@code 101} (returns the channel to relay). */
    Channel takeOverForUpgrade();
}
