package io.trellis.perf.server;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/** Response bodies cut from one shared zero-filled buffer, and the parsing of the size header. */
final class Bodies {

    private final ByteBuf zeros;
    private final int defaultBytes;

    Bodies(ByteBuf zeros, int defaultBytes) {
        this.zeros = zeros;
        this.defaultBytes = defaultBytes;
    }

    /** The size asked for, the default when absent, or -1 when the header is not a valid size. */
    int size(@Nullable CharSequence header) {
        if (header == null) {
            return defaultBytes;
        }
        try {
            int size = Integer.parseInt(header.toString().trim());
            return size >= 0 && size <= zeros.capacity() ? size : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A body of {@code size} bytes; releasing it is harmless (the shared buffer is unreleasable). */
    ByteBuf body(int size) {
        return zeros.slice(0, size);
    }

    int max() {
        return zeros.capacity();
    }
}
