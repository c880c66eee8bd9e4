package io.trellis.perf.suite;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.perf.load.LoadConfig;
import io.trellis.perf.load.LoadResult;
import io.trellis.perf.report.LatencySummary;
import io.trellis.perf.report.RunReport;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SuiteReportTest {

    private static LoadResult load(double p99) {
        return new LoadResult("http1", 16, 1000, 998, 12000, 10000, 2000, 1, 2, 3, 7,
                new LatencySummary(10000, p99 / 2, p99 * 0.8, p99, p99 * 1.5, p99 * 2));
    }

    private static SuiteReport report() {
        SuiteConfig config = new SuiteConfig("unit", List.of(PathKind.DIRECT, PathKind.HBONE_PAIR),
                List.of(100, 1000), List.of(16), LoadConfig.Protocol.HTTP1, Duration.ofSeconds(2),
                Duration.ofSeconds(10), 3, 1024, 1024, 1 << 20, 0, SuiteConfig.DEFAULT_CHILD_JVM_FLAGS, 0);
        List<Measurement> measurements = new ArrayList<>();
        for (int rate : List.of(100, 1000)) {
            for (int rep = 1; rep <= 3; rep++) {
                measurements.add(new Measurement("direct", rate, 16, rep, load(100 + rep), null, null));
                measurements.add(new Measurement("hbone-pair", rate, 16, rep, load(300 + 10 * rep),
                        40_960L + rep, 0.05 * rep));
            }
        }
        List<OtherMeasurement> others = List.of(
                new OtherMeasurement("hbone-pair", "bulk-mibps", 1, 900, 1.5, "1 MiB on one connection"),
                new OtherMeasurement("hbone-pair", "bulk-mibps", 2, 1100, 1.7, "1 MiB on one connection"),
                new OtherMeasurement("hbone-pair", "idle-rss-kib", 0, 30_000, null, "after start"));
        return new SuiteReport("unit", "2026-01-01T00:00:00Z",
                new RunReport.Environment("25", "epoll", "OPENSSL", 2, "Linux"), config,
                new SuiteReport.HostLoad(7.5, 3.25), measurements, others);
    }

    @Test
    void theMarkdownHasMediansWithSpreadAddedLatencyAndResources() {
        String md = report().toMarkdown();
        // Median of 310/320/330 is 320; direct's median p99 is 102: +218 added.
        assertThat(md).contains("| 1000 | 16 | hbone-pair | 160 [155–165] | 256 [248–264] | 320 [310–330] | 480 [465–495] | +218 |");
        assertThat(md).contains("| 100 | 16 | direct | 51 [51–52] |");
        // 3 repetitions x (1 error + 2 overflowed + 3 unfinished) = 18 requests not completed.
        assertThat(md).contains("| 18 | 7 | 40.0 [40.0–40.0] | 0.1000 [0.0500–0.1500] |");
        assertThat(md).contains("## Single-stream throughput (MiB/s)", "| hbone-pair | 1100 [900–1100] |");
        assertThat(md).contains("![hbone-pair](unit-hbone-pair.png)", "Proxy RSS at idle");
        assertThat(md).contains("Host load average (1 min): 7.5 at start, 3.3 at end, on 2 cores. **Other processes");
    }

    @Test
    void writesJsonMarkdownAndOnePlotPerPath(@TempDir Path out) throws Exception {
        List<Path> written = report().write(out);

        assertThat(written).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder("unit.json", "unit.md", "unit-direct.png", "unit-hbone-pair.png");
        assertThat(Files.readString(out.resolve("unit.json")))
                .contains("\"scenario\" : \"unit\"", "\"durationMs\" : 10000", "\"proxyRssKiB\" : 40961");
        BufferedImage png = ImageIO.read(out.resolve("unit-hbone-pair.png").toFile());
        assertThat(png.getWidth()).isEqualTo(900);
        assertThat(png.getHeight()).isEqualTo(540);
        // Something other than the white background was drawn in the plot area.
        boolean drawn = false;
        for (int x = 100; x < 680 && !drawn; x += 3) {
            for (int y = 60; y < 470 && !drawn; y += 3) {
                drawn = (png.getRGB(x, y) & 0xffffff) != 0xffffff;
            }
        }
        assertThat(drawn).isTrue();
    }
}
