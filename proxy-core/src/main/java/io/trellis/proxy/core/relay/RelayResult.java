package io.trellis.proxy.core.relay;

import org.jspecify.annotations.Nullable;

/**
 * How a relayed connection ended.
 *
 * @param bytesAtoB bytes read from the first channel and written to the second
 * @param bytesBtoA bytes read from the second channel and written to the first
 * @param abortCause why the relay was aborted, or null when both directions ended cleanly
 */
public record RelayResult(long bytesAtoB, long bytesBtoA, @Nullable Throwable abortCause) {
    /** True when both directions ended with a FIN / END_STREAM rather than a reset or error. */
    public boolean clean() {
        return abortCause == null;
    }
}
