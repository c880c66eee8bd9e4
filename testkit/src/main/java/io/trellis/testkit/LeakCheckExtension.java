package io.trellis.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer while it ran.
 *
 * <p>Registered for every test class through JUnit's extension auto-detection. Leaks are only
 * noticed once the leaked object is garbage collected and the detector next tracks an object, so
 * after the class we collect garbage and allocate a few tracked buffers to make it look.
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterAllCallback {

    private static final int COLLECTION_ROUNDS = 5;

    @Override
    public void beforeAll(ExtensionContext context) {
        FailingLeakDetector.drain();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (int round = 0; round < COLLECTION_ROUNDS; round++) {
            System.gc();
            System.runFinalization();
            pokeDetectors();
        }
        List<String> leaks = FailingLeakDetector.drain();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) in "
                    + context.getDisplayName() + ":\n" + String.join("\n\n", leaks));
        }
    }

    /** Each allocation of a tracked buffer makes its detector report what the GC has queued. */
    private static void pokeDetectors() {
        for (ByteBuf buf : List.of(
                PooledByteBufAllocator.DEFAULT.directBuffer(16),
                PooledByteBufAllocator.DEFAULT.heapBuffer(16),
                UnpooledByteBufAllocator.DEFAULT.directBuffer(16),
                UnpooledByteBufAllocator.DEFAULT.heapBuffer(16))) {
            buf.release();
        }
    }
}
