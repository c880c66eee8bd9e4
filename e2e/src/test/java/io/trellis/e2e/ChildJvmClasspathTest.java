package io.trellis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A proxy child runs on its own module's classpath only when the build's listing is complete and current. */
class ChildJvmClasspathTest {

    private static final String CLASS = "!/io/trellis/node/NodeProxyMain.class";

    @TempDir
    Path dir;

    @Test
    void aPackagedModuleRunsOnItsOwnJarAndListing() throws Exception {
        Path jar = module("proxy.jar");
        Path dep = Files.writeString(dir.resolve("dep.jar"), "x");
        listing(jar, dep.toString(), Instant.now().plusSeconds(1));

        assertThat(ChildJvm.moduleClasspath(inJar(jar))).contains(jar + File.pathSeparator + dep);
    }

    @Test
    void aListingOlderThanTheJarIsNotTrusted() throws Exception {
        Path jar = module("proxy.jar");
        Path dep = Files.writeString(dir.resolve("dep.jar"), "x");
        listing(jar, dep.toString(), Instant.now().minusSeconds(60));

        assertThat(ChildJvm.moduleClasspath(inJar(jar))).isEmpty();
    }

    @Test
    void aListingNamingAMissingJarIsNotTrusted() throws Exception {
        Path jar = module("proxy.jar");
        listing(jar, dir.resolve("gone.jar").toString(), Instant.now().plusSeconds(1));

        assertThat(ChildJvm.moduleClasspath(inJar(jar))).isEmpty();
    }

    @Test
    void noListingClassesDirectoriesAndUnknownMainsFallBack() throws Exception {
        Path jar = module("proxy.jar");

        assertThat(ChildJvm.moduleClasspath(inJar(jar))).isEmpty();
        assertThat(ChildJvm.moduleClasspath(dir.resolve("classes/io/trellis/node/NodeProxyMain.class").toUri()
                .toURL())).isEmpty();
        assertThat(ChildJvm.moduleClasspath(null)).isEmpty();
        assertThat(ChildJvm.classpathFor("io.trellis.e2e.demo.DemoCli"))
                .isEqualTo(System.getProperty("java.class.path"));
    }

    private Path module(String name) throws Exception {
        return Files.writeString(dir.resolve(name), "jar");
    }

    private void listing(Path jar, String content, Instant modified) throws Exception {
        Path file = Files.writeString(jar.resolveSibling("classpath.txt"), content);
        Files.setLastModifiedTime(file, FileTime.from(modified));
    }

    private static URL inJar(Path jar) throws Exception {
        return URI.create("jar:" + jar.toUri() + CLASS).toURL();
    }
}
