package io.trellis.e2e.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.perf.load.LoadResult;
import io.trellis.perf.report.LatencySummary;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabTransferMarkdownTest {

    @TempDir
    Path dir;

    @Test
    void throughputTableShowsMediansSpreadShareOfDirectAndCpuPerGiB() {
        StringBuilder b = new StringBuilder();

        LabTransferMarkdown.bulk(b, List.of(bulk("direct", 1, 1000), bulk("pair", 1, 300),
                bulk("haproxy-pair", 1, 400), bulk("direct", 2, 1200), bulk("pair", 2, 200),
                bulk("haproxy-pair", 2, 500), bulk("direct", 3, 1100), bulk("pair", 3, 250),
                bulk("haproxy-pair", 3, 450)));

        assertThat(b.toString()).contains("256 MiB on one connection", "3 repetitions, interleaved",
                "| direct | 1100 | [1000-1200] | - | - |",
                "| pair | 250 | [200-300] | 23 % | pair-proxy 0.50 |",
                "| haproxy-pair | 450 | [400-500] | 41 % | pair-proxy 0.50 |");
    }

    @Test
    void newConnectionsTableAddsP99OverDirectAndCountsEveryRequestWithoutAnAnswer() {
        StringBuilder b = new StringBuilder();

        LabTransferMarkdown.connects(b, List.of(connect("direct", 500, 1, 300, 1000, 0),
                connect("pair", 500, 1, 900, 4000, 2), connect("haproxy-pair", 500, 1, 1500, 3000, 0),
                connect("direct", 500, 2, 320, 1200, 0), connect("pair", 500, 2, 950, 5000, 1),
                connect("haproxy-pair", 500, 2, 1400, 3500, 0)));

        assertThat(b.toString()).contains("2 repetitions, interleaved path by path, after one unrecorded run per path",
                "closes each connection with a reset",
                "| 500 | direct | 500.0 | 310 | 1100 | - | [1000-1200] | 0 | - |",
                // p99 medians: pair 4500 - direct 1100 = 3400; 2 + 1 not completed
                "| 500 | pair | 500.0 | 925 | 4500 | 3400 | [4000-5000] | 3 | pair-proxy 0.120 |",
                "| 500 | haproxy-pair | 500.0 | 1450 | 3250 | 2150 | [3000-3500] | 0 | pair-proxy 0.120 |");
    }

    @Test
    void eachConnectionRateIsComparedWithTheDirectPathAtThatRate() {
        StringBuilder b = new StringBuilder();

        LabTransferMarkdown.connects(b, List.of(connect("direct", 200, 1, 300, 1000, 0),
                connect("pair", 200, 1, 900, 4000, 0), connect("direct", 500, 1, 400, 2000, 0),
                connect("pair", 500, 1, 1900, 9000, 5)));

        assertThat(b.toString()).contains("| 200 | pair | 200.0 | 900 | 4000 | 3000 |",
                "| 500 | pair | 500.0 | 1900 | 9000 | 7000 | [9000-9000] | 5 |");
    }

    @Test
    void plotsThroughputAndEachConnectionRateAsBarsAndNothingWhenNeitherRan() throws Exception {
        Path png = dir.resolve("lab-transfer.png");

        assertThat(LabTransferMarkdown.plot(List.of(bulk("direct", 1, 1000), bulk("pair", 1, 300)),
                List.of(connect("direct", 200, 1, 300, 1000, 0), connect("pair", 500, 1, 900, 4000, 0)), png))
                .isTrue();
        assertThat(ImageIO.read(png.toFile()).getWidth()).as("three panels").isGreaterThan(1000);
        assertThat(LabTransferMarkdown.plot(null, List.of(), dir.resolve("none.png"))).isFalse();
        assertThat(dir.resolve("none.png")).doesNotExist();
        assertThat(LabBarPlot.niceTop(340)).isEqualTo(500);
        assertThat(LabBarPlot.niceTop(1000)).isEqualTo(1000);
        assertThat(LabBarPlot.niceTop(1001)).isEqualTo(2000);
    }

    @Test
    void noTablesWhenThePhasesWereSkipped() {
        StringBuilder b = new StringBuilder();

        LabTransferMarkdown.bulk(b, null);
        LabTransferMarkdown.connects(b, List.of());

        assertThat(b.toString()).isEmpty();
    }

    static Map<String, Object> bulk(String path, int rep, double mibPerSecond) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("path", path);
        run.put("repetition", rep);
        run.put("bytes", 256L << 20);
        run.put("seconds", 256 / mibPerSecond);
        run.put("mibPerSecond", mibPerSecond);
        run.put("cpuSeconds", Map.of());
        run.put("cpuSecondsPerGiB", path.equals("direct") ? Map.of() : Map.of("pair-proxy", 0.5));
        return run;
    }

    private static Map<String, Object> connect(String path, double rate, int rep, double p50, double p99,
            long errors) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("path", path);
        run.put("rate", rate);
        run.put("repetition", rep);
        run.put("result", new LoadResult("connect", 256, rate, rate, 4000, 3990, 1000, errors, 0, 0, 3,
                new LatencySummary(3990, p50, p50 + 10, p99, p99 + 10, p99 + 20)));
        run.put("cpuSeconds", Map.of());
        run.put("cpuSecondsPer1000Connections", path.equals("direct") ? Map.of() : Map.of("pair-proxy", 0.12));
        return run;
    }
}
