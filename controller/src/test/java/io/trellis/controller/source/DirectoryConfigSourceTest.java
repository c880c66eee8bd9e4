package io.trellis.controller.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryConfigSourceTest {

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        executor.shutdownNow();
    }

    private static String pod(String name, String ip) {
        return """
                apiVersion: v1
                kind: Pod
                metadata: {name: %s, namespace: demo}
                spec: {nodeName: node-a}
                status: {podIP: %s}
                """.formatted(name, ip);
    }

    @Test
    void publishesChangesAndKeepsValidObjectsWhenAFileBreaks() throws Exception {
        Files.writeString(dir.resolve("a.yaml"), pod("a", "10.0.0.1"));
        AtomicReference<ConfigSnapshot> latest = new AtomicReference<>();
        // long rescan interval: the watch service must notice the changes (the rescan is only a fallback)
        try (DirectoryConfigSource source = new DirectoryConfigSource(dir, Duration.ofMillis(20),
                Duration.ofSeconds(1), executor)) {
            source.start(latest::set);
            Await.until("initial snapshot", Duration.ofSeconds(10),
                    () -> latest.get() != null && latest.get().pods().size() == 1);

            Files.createDirectories(dir.resolve("sub"));
            Files.writeString(dir.resolve("sub/b.yml"), pod("b", "10.0.0.2"));
            Await.until("pod b added", Duration.ofSeconds(10), () -> latest.get().pods().size() == 2);

            Files.writeString(dir.resolve("sub/b.yml"), pod("b", "not-an-ip"));
            Await.until("pod b reported", Duration.ofSeconds(10), () -> latest.get().problems().size() == 1);
            assertThat(latest.get().pods()).extracting(p -> p.meta().name()).containsExactly("a");
            assertThat(latest.get().problems().getFirst().describe())
                    .contains("file=sub/b.yml", "object=Pod/demo/b", "field=status.podIP");

            Files.delete(dir.resolve("sub/b.yml"));
            Await.until("problem gone", Duration.ofSeconds(10), () -> latest.get().problems().isEmpty());
            assertThat(latest.get().pods()).hasSize(1);
        }
    }

    @Test
    void duplicateObjectsKeepTheFirstFile() throws Exception {
        Files.writeString(dir.resolve("1.yaml"), pod("a", "10.0.0.1"));
        Files.writeString(dir.resolve("2.yaml"), pod("a", "10.0.0.9"));

        ConfigSnapshot s = DirectoryConfigSource.load(dir);

        assertThat(s.pods()).singleElement().satisfies(p ->
                assertThat(p.podIps().getFirst().getHostAddress()).isEqualTo("10.0.0.1"));
        assertThat(s.problems()).singleElement().satisfies(p -> {
            assertThat(p.origin()).isEqualTo("2.yaml");
            assertThat(p.message()).contains("duplicate");
        });
    }

    @Test
    void missingDirectoryIsAClearError() {
        try (DirectoryConfigSource source = new DirectoryConfigSource(dir.resolve("nope"), Duration.ofMillis(20),
                Duration.ofSeconds(1), executor)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> source.start(s -> { }))
                    .isInstanceOf(ConfigDirectoryException.class)
                    .hasMessageContaining("does not exist");
        }
    }
}
