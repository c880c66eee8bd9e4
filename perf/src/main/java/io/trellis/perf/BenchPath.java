package io.trellis.perf;

import java.net.InetSocketAddress;

/** A way from the benchmark client to a target server: directly, or through proxies. */
interface BenchPath extends AutoCloseable {

    /** Where the client connects to reach the target this path was opened for. */
    InetSocketAddress entry();

    @Override
    void close();

    /** Opens a path to one target. */
    interface Factory {
        String name();

        String description();

        BenchPath open(InetSocketAddress target) throws Exception;
    }

    /** The baseline: the client connects to the target itself. */
    final class Direct implements Factory {
        @Override
        public String name() {
            return "direct";
        }

        @Override
        public String description() {
            return "plain TCP over loopback, no proxy (the baseline)";
        }

        @Override
        public BenchPath open(InetSocketAddress target) {
            return new BenchPath() {
                @Override
                public InetSocketAddress entry() {
                    return target;
                }

                @Override
                public void close() {}
            };
        }
    }
}
