package io.trellis.perf.load;

import io.netty.buffer.ByteBuf;

/**
 * What every request of a load client carries, whatever its protocol.
 *
 * @param body the request body, shared by every request (sent as a duplicate, never released by a client)
 * @param authority the {@code Host} / {@code :authority} value
 * @param responseBytes asked of the target in {@value Http1Client#RESPONSE_BYTES_HEADER}
 */
record RequestShape(ByteBuf body, String authority, int responseBytes) {}
