package io.trellis.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class BufferPoolDefaultsTest {

    @Test
    void emptyPropertiesGetPooledBuffersWithOneArenaPerCpuAndTwoMebibyteChunks() {
        Properties p = new Properties();

        Map<String, String> set = BufferPoolDefaults.apply(p, 4);

        assertThat(p.getProperty("io.netty.allocator.type")).isEqualTo("pooled");
        assertThat(p.getProperty("io.netty.allocator.numDirectArenas")).isEqualTo("4");
        assertThat(p.getProperty("io.netty.allocator.numHeapArenas")).isEqualTo("4");
        assertThat(p.getProperty("io.netty.allocator.maxOrder")).isEqualTo("8");
        assertThat(set).containsOnlyKeys(BufferPoolDefaults.TYPE, BufferPoolDefaults.DIRECT_ARENAS,
                BufferPoolDefaults.HEAP_ARENAS, BufferPoolDefaults.MAX_ORDER);
    }

    @Test
    void aValueGivenOnTheCommandLineWins() {
        Properties p = new Properties();
        p.setProperty("io.netty.allocator.type", "adaptive");
        p.setProperty("io.netty.allocator.maxOrder", "9");

        Map<String, String> set = BufferPoolDefaults.apply(p, 2);

        assertThat(p.getProperty("io.netty.allocator.type")).isEqualTo("adaptive");
        assertThat(p.getProperty("io.netty.allocator.maxOrder")).isEqualTo("9");
        assertThat(set).containsOnlyKeys(BufferPoolDefaults.DIRECT_ARENAS, BufferPoolDefaults.HEAP_ARENAS);
    }

    @Test
    void aMachineReportingNoCpusStillGetsOneArena() {
        Properties p = new Properties();

        BufferPoolDefaults.apply(p, 0);

        assertThat(p.getProperty("io.netty.allocator.numDirectArenas")).isEqualTo("1");
    }
}
