package io.trellis.perf.suite;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.perf.load.LoadConfig;
import io.trellis.proxy.core.transport.Transports;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny real suite run: the direct path, the HBONE pair in a child JVM and, where HAProxy is
 * installed, the HAProxy pair. Asserts counts and files, never speed.
 */
class SuiteSmokeTest {

    @Test
    void aTinyRunAccountsForEveryRequestAndWritesTheReport(@TempDir Path out) throws Exception {
        List<PathKind> paths = new ArrayList<>(List.of(PathKind.DIRECT, PathKind.HBONE_PAIR));
        boolean haproxy = onPath("haproxy");
        if (haproxy) {
            paths.add(PathKind.HAPROXY_PAIR);
        }
        SuiteConfig config = new SuiteConfig("smoke-test", paths, List.of(200), List.of(2),
                LoadConfig.Protocol.HTTP1, Duration.ofMillis(100), Duration.ofMillis(300), 1, 1024, 1024,
                1 << 20, 50, SuiteConfig.DEFAULT_CHILD_JVM_FLAGS, 50);
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        SuiteReport report = new SuiteRunner(Transports.choice().transport(), config, out.resolve("raw"),
                new PrintStream(progress, true, StandardCharsets.UTF_8)).run();
        List<Path> written = report.write(out);

        assertThat(report.measurements()).hasSize(paths.size());
        for (Measurement m : report.measurements()) {
            assertThat(m.load().completed() + m.load().warmupCompleted()).isEqualTo(m.load().scheduled());
            assertThat(m.load().completed()).isPositive();
            assertThat(m.load().errors() + m.load().overflowed() + m.load().unfinished()).isZero();
            if (m.path().equals("direct")) {
                assertThat(m.proxyRssKiB()).isNull();
            } else {
                assertThat(m.proxyRssKiB()).isPositive();
                assertThat(m.proxyCpuSecondsPer1000()).isNotNull();
            }
        }
        assertThat(report.others()).filteredOn(o -> o.kind().equals("bulk-mibps")).hasSize(paths.size())
                .allSatisfy(o -> assertThat(o.value()).isPositive());
        assertThat(report.others()).filteredOn(o -> o.kind().equals("connect-p99-us")).hasSize(paths.size());
        assertThat(report.others()).filteredOn(o -> o.kind().equals("held-rss-kib")).hasSize(paths.size() - 1)
                .allSatisfy(o -> assertThat(o.note()).startsWith("50 idle connections open"));
        assertThat(written).allSatisfy(file -> assertThat(Files.size(file)).isPositive());
        assertThat(Files.readString(out.resolve("smoke-test.md"))).contains("| 200 | 2 | hbone-pair |");
        assertThat(out.resolve("smoke-test-hbone-pair.png")).exists();
        if (haproxy) {
            assertThat(out.resolve("raw/haproxy-pair/haproxy-a.cfg")).exists();
        }
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("hbone-pair", "bulk rep 1");
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
