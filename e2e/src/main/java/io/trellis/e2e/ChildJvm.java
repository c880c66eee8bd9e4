package io.trellis.e2e;

import io.trellis.proxy.core.logging.ProxyLogConfigurator;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The command line of a Trellis child JVM (controller, node-proxy, waypoint). Its classpath is this
 * JVM's {@code java.class.path}: under {@code ./trellis demo} that is the e2e jar plus
 * {@code e2e/target/classpath.txt} (which lists every module jar the mesh needs), under Maven the test
 * classpath with the same modules; so the children run exactly the code the caller was built with. A proxy runs on
 * its own module's jars when the build listed them ({@link #classpathFor}), as in its container image.
 *
 * <p>The node-proxy and the waypoint get {@link #PROXY_FLAGS}, everything else {@link #TOOL_FLAGS}.
 * Two system properties of the calling JVM change the proxies' flags without a rebuild (the lab benchmark's
 * A/B runs and profiles use them): {@value #PROXY_FLAGS_PROPERTY} replaces {@link #PROXY_FLAGS} and
 * {@value #PROXY_EXTRA_FLAGS_PROPERTY} is appended (say, {@code -XX:StartFlightRecording=...}); both are
 * space-separated.
 */
public final class ChildJvm {

    /** Replaces {@link #PROXY_FLAGS} for the node-proxy and waypoint children (space-separated). */
    public static final String PROXY_FLAGS_PROPERTY = "trellis.proxy.jvmFlags";
    /** Appended to the node-proxy and waypoint children's flags (space-separated). */
    public static final String PROXY_EXTRA_FLAGS_PROPERTY = "trellis.proxy.jvmExtraFlags";

    /**
     * Controller, load generators, test targets: small and fast to start, since the lab runs several JVMs on a
     * small machine. C1 only: they are short-lived or not what is being measured.
     */
    public static final List<String> TOOL_FLAGS = List.of(
            "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");

    /**
     * Node-proxy and waypoint: footprint first, chosen by interleaved A/B runs in the lab (perf/results/profiles.md
     * has the measurements, "Footprint (session 3)" the latest):
     * <ul>
     *   <li>serial collector: no GC threads beside the event loops, short young pauses on a small heap (the
     *       proxies' buffers are pooled direct memory; the heap holds config, connection state and garbage);</li>
     *   <li>{@code -Xms16m -Xmx128m}: the heap starts small and grows only when used (the JVM's default initial heap
     *       is 1/64 of the machine's memory); 128 MB, not less, because 10,000 tunnelled connections hold
     *       per-connection state on the heap; {@code -Xmn8m}: a fixed young generation (default: a third of a heap
     *       that grew at start-up, all of it touched), a young collection every few seconds at 1,000 rps;</li>
     *   <li>{@code -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30}: the old generation keeps 10-30 % free after a
     *       collection instead of 40-70 %: start-up garbage promoted before the first full collection no longer
     *       leaves an old generation half again as large as what is live (idle heap 45 -> 30 MB committed);</li>
     *   <li>{@code -XX:+UseCompactObjectHeaders} (JDK 25): 8-byte object headers, a smaller heap for the same
     *       objects (about 5 MB less with 10,000 connections held);</li>
     *   <li>{@code -Xss512k}: event-loop and gRPC stacks are shallow;</li>
     *   <li>{@code -XX:MaxDirectMemorySize=128m} bounds the pooled buffers; {@code -XX:ReservedCodeCacheSize=48m}
     *       and {@code -XX:MaxMetaspaceSize=96m} bound the JIT's and class metadata's native memory;</li>
     *   <li>no {@code -XX:TieredStopAtLevel=1}: both proxies run C2, with a 48 MB code cache. In interleaved lab runs
     *       at 1,000 rps (perf/results/profiles.md, "C1 or C2 for the node-proxy" and "JIT for the waypoint") C2 took
     *       the node-proxy pair's added p50 from 278-313 to 116-157 µs and its CPU from 0.100-0.104 to 0.083-0.091
     *       CPU-seconds per 1,000 requests (compilations included), and the waypoint from 0.245-0.252 to 0.130-0.156;
     *       it costs about 24 MB more RSS per process and latency spikes while it compiles in the first tens of
     *       seconds. Per node that memory is paid once, the CPU and latency on every request;
     *       {@code -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=32m} gives the smaller C1-only footprint
     *       back;</li>
     *   <li>{@code -XX:TrimNativeHeapInterval=10000}: returns freed malloc memory (TLS, compiler arenas) every 10 s;</li>
     *   <li>{@code -Dio.netty.leakDetection.level=disabled}: Netty's default leak detection captures a stack trace
     *       for one buffer in 128 (4 % of the node-proxy's allocation in the profile); tests run it paranoid, and
     *       {@code -Dio.netty.leakDetection.level=simple} turns it back on to chase a leak;</li>
     *   <li>{@code -Dio.netty.jfr.enabled=false}: Netty 4.2 registers JFR events for its allocator when JFR is
     *       available, which loads JFR's event machinery (about 100 classes) into a proxy that records nothing; a
     *       recording started with {@code -XX:StartFlightRecording} still works, without Netty's allocator
     *       events;</li>
     *   <li>{@code -XX:-UsePerfData}: no hsperfdata mmap.</li>
     * </ul>
     */
    public static final List<String> PROXY_FLAGS = List.of(
            "-XX:+UseSerialGC", "-Xms16m", "-Xmx128m", "-Xmn8m", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30",
            "-XX:+UseCompactObjectHeaders", "-Xss512k", "-XX:MaxDirectMemorySize=128m",
            "-XX:ReservedCodeCacheSize=48m", "-XX:MaxMetaspaceSize=96m", "-XX:TrimNativeHeapInterval=10000",
            "-Dio.netty.leakDetection.level=disabled", "-Dio.netty.jfr.enabled=false", "-XX:-UsePerfData",
            "-Xshare:auto");

    private static final Set<String> PROXY_MAINS = Set.of("io.trellis.node.NodeProxyMain",
            "io.trellis.waypoint.WaypointMain");

    private ChildJvm() {
    }

    /**
     * {@code java [flags] -cp <classpathFor(main)> main args...}; fails clearly when {@code main} is not on this JVM's
     * classpath.
     */
    public static List<String> command(String main, List<String> args) {
        return command(List.of(), main, args);
    }

    /** As {@link #command(String, List)}, with extra JVM flags (system properties) before the main class. */
    public static List<String> command(List<String> jvmFlags, String main, List<String> args) {
        String resource = main.replace('.', '/') + ".class";
        if (ChildJvm.class.getClassLoader().getResource(resource) == null) {
            throw new MeshException.StartFailed(main + " is not on this JVM's classpath: run through ./trellis or "
                    + "from the e2e module, whose classpath holds every mesh module");
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (!Files.isExecutable(java)) {
            throw new MeshException.StartFailed("no java executable at " + java);
        }
        List<String> cmd = new ArrayList<>(List.of(java.toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        cmd.addAll(flagsFor(main));
        if (PROXY_MAINS.contains(main)) {
            // Log as deployed (proxy-core's ProxyLogConfigurator: event lines on stderr, the access log on stdout),
            // even when this JVM's classpath, which a proxy may get, holds a logback-test.xml or other modules' files.
            cmd.add("-D" + ProxyLogConfigurator.BUILTIN_PROPERTY + "=true");
        }
        cmd.add("-cp");
        cmd.add(classpathFor(main));
        cmd.addAll(jvmFlags);
        cmd.add(main);
        cmd.addAll(args);
        return cmd;
    }

    /** The JVM flags a child running {@code main} gets (see the class comment). */
    public static List<String> flagsFor(String main) {
        if (!PROXY_MAINS.contains(main)) {
            return TOOL_FLAGS;
        }
        List<String> flags = new ArrayList<>(split(System.getProperty(PROXY_FLAGS_PROPERTY), PROXY_FLAGS));
        flags.addAll(split(System.getProperty(PROXY_EXTRA_FLAGS_PROPERTY), List.of()));
        return flags;
    }

    /**
     * The classpath of a child running {@code main}. A proxy gets its own module's runtime classpath when the build
     * wrote it next to the module's jar ({@code <module>/target/classpath.txt}, the same jars as the module's container
     * image): this JVM's classpath holds every module (the controller's Kubernetes client, the load generators, ...),
     * and a proxy started with it opened most of them, kept their central directories on its heap (1.5 MB of live
     * heap that no deployed proxy has) and configured its logging from whichever module's logback.xml came first on
     * that path (under {@code ./trellis}, the install module's, at WARN) instead of its own. Anything else, and a
     * proxy whose module is not a packaged jar with a complete, current classpath file (say, a test run without
     * {@code package}), gets this JVM's classpath.
     */
    public static String classpathFor(String main) {
        String all = System.getProperty("java.class.path");
        if (!PROXY_MAINS.contains(main)) {
            return all;
        }
        return moduleClasspath(ChildJvm.class.getClassLoader().getResource(main.replace('.', '/') + ".class"))
                .orElse(all);
    }

    /** The module jar holding {@code where} (a class file) plus its {@code classpath.txt}, if both are usable. */
    static Optional<String> moduleClasspath(@Nullable URL where) {
        if (where == null || !where.getProtocol().equals("jar")) {
            return Optional.empty();
        }
        try {
            String file = where.getPath();
            Path jar = Path.of(URI.create(file.substring(0, file.indexOf("!/"))));
            Path listing = jar.resolveSibling("classpath.txt");
            if (!Files.isRegularFile(listing)
                    || Files.getLastModifiedTime(listing).compareTo(Files.getLastModifiedTime(jar)) < 0) {
                return Optional.empty();
            }
            String deps = Files.readString(listing).strip();
            List<String> entries = deps.isEmpty() ? List.of() : List.of(deps.split(File.pathSeparator));
            if (entries.isEmpty() || !entries.stream().allMatch(e -> Files.exists(Path.of(e)))) {
                return Optional.empty();
            }
            return Optional.of(jar + File.pathSeparator + deps);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static List<String> split(String value, List<String> otherwise) {
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        return Arrays.stream(value.trim().split("\\s+")).toList();
    }
}
