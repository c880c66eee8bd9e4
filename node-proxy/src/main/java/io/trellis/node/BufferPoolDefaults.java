package io.trellis.node;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The node-proxy's choice of Netty buffer allocator, made before any Netty class reads it (Netty reads these
 * system properties once, when its default allocator is first used, so this must run first thing in
 * {@code main}).
 *
 * <p>Why pooled instead of Netty 4.2's default adaptive allocator: on the L4 pair path (1 KiB requests over
 * keep-alive connections at 1,000 rps) the pooled allocator cut the event loops' allocation per request by about
 * 25 % and the node-proxy's CPU per request by about 4 % (+- 2 %, at equal event-loop wakeups per request) in
 * interleaved A/B runs, at the same resident memory (perf/results/profiles.md, "Node-proxy CPU (session 3)").
 * Its thread caches hand a loop the buffer it just released, still in the CPU
 * cache when the kernel copies into or out of it, and a pooled buffer keeps one NIO view for TLS instead of a new
 * {@code DirectByteBuffer} slice per wrap and unwrap (the largest allocation site in the adaptive profile).
 *
 * <p>Sizing: one direct and one heap arena per CPU (the data plane runs one event loop per CPU by default; Netty's
 * own default is two per CPU) and 2 MiB chunks instead of 4 MiB, so the pools' footprint stays that of the
 * adaptive allocator. Every value is a default only: a {@code -Dio.netty.allocator.*} flag on the command line
 * wins.
 */
final class BufferPoolDefaults {

    static final String TYPE = "io.netty.allocator.type";
    static final String DIRECT_ARENAS = "io.netty.allocator.numDirectArenas";
    static final String HEAP_ARENAS = "io.netty.allocator.numHeapArenas";
    /** Chunk size is the page size (8 KiB) shifted left by this: 8 is 2 MiB. */
    static final String MAX_ORDER = "io.netty.allocator.maxOrder";

    private BufferPoolDefaults() {}

    /** The defaults for a machine with {@code cpus} CPUs, in the order they are applied. */
    static Map<String, String> defaults(int cpus) {
        String arenas = Integer.toString(Math.max(1, cpus));
        Map<String, String> d = new LinkedHashMap<>();
        d.put(TYPE, "pooled");
        d.put(DIRECT_ARENAS, arenas);
        d.put(HEAP_ARENAS, arenas);
        d.put(MAX_ORDER, "8");
        return d;
    }

    /** Sets each default that {@code properties} does not already have; returns the ones it set. */
    static Map<String, String> apply(Properties properties, int cpus) {
        Map<String, String> set = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : defaults(cpus).entrySet()) {
            if (properties.getProperty(e.getKey()) == null) {
                properties.setProperty(e.getKey(), e.getValue());
                set.put(e.getKey(), e.getValue());
            }
        }
        return set;
    }

    /** Applies the defaults to this JVM's system properties. */
    static void applyToSystem() {
        apply(System.getProperties(), Runtime.getRuntime().availableProcessors());
    }
}
