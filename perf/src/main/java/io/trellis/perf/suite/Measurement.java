package io.trellis.perf.suite;

import io.trellis.perf.load.LoadResult;
import org.jspecify.annotations.Nullable;

/**
 * One open-loop run of one path at one rate and connection count, with the proxies' resources.
 *
 * @param proxyRssKiB summed RSS of the path's proxy processes after the run (null for direct)
 * @param proxyCpuSecondsPer1000 CPU-seconds the proxies used per 1,000 requests (null for direct)
 */
public record Measurement(String path, int rate, int connections, int repetition, LoadResult load,
        @Nullable Long proxyRssKiB, @Nullable Double proxyCpuSecondsPer1000) {}
