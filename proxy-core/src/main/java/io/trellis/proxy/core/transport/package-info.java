/** Choice of the Netty I/O transport (io_uring, epoll, NIO), the event-loop group and socket tuning. */
@NullMarked
package io.trellis.proxy.core.transport;

import org.jspecify.annotations.NullMarked;
