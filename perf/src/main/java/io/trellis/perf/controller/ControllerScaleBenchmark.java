package io.trellis.perf.controller;

import com.sun.management.OperatingSystemMXBean;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.source.ConfigObject;
import io.trellis.controller.source.ConfigSnapshot;
import io.trellis.controller.source.NamespaceConfig;
import io.trellis.controller.source.ObjectMeta;
import io.trellis.controller.source.PodConfig;
import io.trellis.controller.source.ServiceConfig;
import io.trellis.controller.xds.Debouncer;
import io.trellis.controller.xds.PushPipeline;
import io.trellis.controller.xds.TaskScheduler;
import io.trellis.controller.xds.TypeUrls;
import io.trellis.controller.xds.WorkloadXdsServer;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The controller's workload xDS at scale, in one process: N pods on 100 nodes, M services, P proxy streams over
 * in-process gRPC, through the real push pipeline (debounce, incremental model, translation, delta responses).
 * Measures initial sync, change-to-ACK for one endpoint change and for a 100-pod node failure, bytes pushed,
 * heap and CPU. The config objects of unchanged pods are reused between snapshots, as the sources do.
 */
public final class ControllerScaleBenchmark {

    private static final int NODES = 100;
    private static final Duration WAIT = Duration.ofMinutes(5);

    /** What to run. */
    public record Parameters(int pods, int services, int proxies, int rounds, int warmupRounds,
                             int nodeFailures) {
        public Parameters {
            if (pods < NODES || services < 1 || proxies < 1 || rounds <= warmupRounds || nodeFailures < 1
                    || nodeFailures > NODES / 2) {
                throw new IllegalArgumentException("need pods >= " + NODES + ", services >= 1, proxies >= 1, "
                        + "rounds > warmup rounds, 1 <= node failures <= " + NODES / 2);
            }
        }

        /**
         * 100 recorded rounds, so that p99 is a percentile rather than the worst round, after 25 unrecorded ones:
         * the delta path is still being JIT-compiled during the first rounds (CPU per change 115-160 ms over rounds
         * 1-30, about 80 ms over rounds 1-130).
         */
        public static Parameters defaults() {
            return new Parameters(10_000, 1_000, 2_000, 125, 25, 5);
        }
    }

    private final Parameters p;
    private final PrintStream log;

    public ControllerScaleBenchmark(Parameters parameters, PrintStream log) {
        this.p = parameters;
        this.log = log;
    }

    /**
     * {@code ./trellis bench controller-scale}: runs with the defaults (or {@code -Dbench.pods=},
     * {@code bench.services}, {@code bench.proxies}, {@code bench.rounds}, {@code bench.warmupRounds}) and writes
     * {@code <out>/controller-scale.{json,md}}.
     */
    public static int runScenario(Path out, PrintStream log) throws IOException, TimeoutException {
        Parameters d = Parameters.defaults();
        Parameters parameters = new Parameters(Integer.getInteger("bench.pods", d.pods()),
                Integer.getInteger("bench.services", d.services()), Integer.getInteger("bench.proxies", d.proxies()),
                Integer.getInteger("bench.rounds", d.rounds()), Integer.getInteger("bench.warmupRounds",
                d.warmupRounds()), d.nodeFailures());
        ControllerScaleResult result = new ControllerScaleBenchmark(parameters, log).run();
        result.writeJson(out.resolve("controller-scale.json"));
        result.writeMarkdown(out.resolve("controller-scale.md"));
        log.println();
        log.print(result.toMarkdown());
        log.println("written: " + out.resolve("controller-scale.json") + ", " + out.resolve("controller-scale.md"));
        return 0;
    }

    private PodConfig pod(int i, InetAddress ip) {
        int svc = i % p.services();
        return new PodConfig(new ObjectMeta("pod" + i, "ns" + (svc % 10), Map.of("app", "svc" + svc)), "sa" + svc,
                "node" + (i % NODES), List.of(ip), true, Map.of());
    }

    private static InetAddress ip(int a, int i) {
        return InetAddress.ofLiteral("10." + a + "." + (i >> 8 & 0xff) + "." + (i & 0xff));
    }

    private String uid(int i) {
        return "ns" + (i % p.services() % 10) + "/pod" + i;
    }

    public ControllerScaleResult run() throws IOException, TimeoutException {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        long wallStart = System.nanoTime();
        ScheduledExecutorService push = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("push").factory());
        ExecutorService clientExecutor = Executors.newFixedThreadPool(2, Thread.ofPlatform().daemon().factory());
        TaskScheduler scheduler = TaskScheduler.of(push);
        WorkloadXdsServer xds = new WorkloadXdsServer(new SimpleMeterRegistry(), Clock.systemUTC(),
                scheduler::nanoTime);
        PushPipeline pipeline = new PushPipeline(MeshSettings.defaults(), xds, m -> { }, scheduler,
                Debouncer.DEFAULT_QUIET, Debouncer.DEFAULT_MAX_DELAY);
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name).addService(xds).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).executor(clientExecutor).build();
        List<SimulatedProxy> proxies = new ArrayList<>();
        try {
            List<ConfigObject> objects = new ArrayList<>();
            for (int ns = 0; ns < 10; ns++) {
                objects.add(new NamespaceConfig(new ObjectMeta("ns" + ns, "",
                        Map.of("trellis.io/dataplane-mode", "ambient"))));
            }
            for (int s = 0; s < p.services(); s++) {
                objects.add(new ServiceConfig(new ObjectMeta("svc" + s, "ns" + (s % 10), Map.of()),
                        Map.of("app", "svc" + s), List.of(ip(96, s)),
                        List.of(new ServiceConfig.Port("http", 80, 8080, "", "http"))));
            }
            int firstPod = objects.size();
            for (int i = 0; i < p.pods(); i++) {
                objects.add(pod(i, ip(1, i)));
            }
            long t0 = System.nanoTime();
            pipeline.accept(ConfigSnapshot.of(objects, List.of()));
            await("first snapshot", () -> xds.current().generation() == 1);
            long firstBuild = System.nanoTime() - t0;
            log.printf("first model + snapshot: %d ms%n", firstBuild / 1_000_000);

            long syncStart = System.nanoTime();
            for (int i = 0; i < p.proxies(); i++) {
                SimulatedProxy proxy = new SimulatedProxy(channel, "node" + (i % NODES) + "-" + i);
                proxies.add(proxy);
                proxy.subscribe(TypeUrls.ALL);
            }
            long expected = (long) p.pods() + p.services();
            await("initial sync", () -> proxies.stream().allMatch(x -> x.resources.get() == expected));
            long syncNanos = System.nanoTime() - syncStart;
            long syncBytes = bytes(proxies);
            log.printf("initial sync of %d proxies: %d ms, %d bytes%n", p.proxies(), syncNanos / 1_000_000,
                    syncBytes);

            // one endpoint (a pod's IP) changes per round
            long cpuBefore = os.getProcessCpuTime();
            Samples oneChange = new Samples();
            long bytesBefore = bytes(proxies);
            for (int round = 0; round < p.rounds(); round++) {
                int victim = (17 + round * 307) % p.pods();
                String uid = uid(victim);
                proxies.forEach(x -> x.probe(uid));
                objects.set(firstPod + victim, pod(victim, ip(200 + round % 50, victim)));
                long change = System.nanoTime();
                pipeline.accept(ConfigSnapshot.of(objects, List.of()));
                await("all proxies ACKed round " + round, () -> proxies.stream().allMatch(x -> x.probeAckNanos() != 0));
                if (round >= p.warmupRounds()) {
                    oneChange.round(proxies, change);
                }
            }
            long oneChangeBytes = (bytes(proxies) - bytesBefore) / p.rounds();
            long oneChangeCpu = (os.getProcessCpuTime() - cpuBefore) / p.rounds();
            log.printf("one endpoint change: %s%n", oneChange.summary());

            // node failures: every pod of one node disappears at once
            cpuBefore = os.getProcessCpuTime();
            Samples failures = new Samples();
            bytesBefore = bytes(proxies);
            int podsPerFailure = 0;
            for (int f = 0; f < p.nodeFailures(); f++) {
                String node = "node" + (7 + 10 * f);
                int probe = 7 + 10 * f;
                proxies.forEach(x -> x.probe(uid(probe)));
                int before = objects.size();
                objects.removeIf(o -> o instanceof PodConfig pc && pc.nodeName().equals(node));
                podsPerFailure = before - objects.size();
                long change = System.nanoTime();
                pipeline.accept(ConfigSnapshot.of(objects, List.of()));
                await("all proxies ACKed node failure " + f,
                        () -> proxies.stream().allMatch(x -> x.probeAckNanos() != 0));
                failures.round(proxies, change);
            }
            long failureBytes = (bytes(proxies) - bytesBefore) / p.nodeFailures();
            long failureCpu = (os.getProcessCpuTime() - cpuBefore) / p.nodeFailures();
            log.printf("node failure (%d pods): %s%n", podsPerFailure, failures.summary());

            System.gc();
            Runtime rt = Runtime.getRuntime();
            long heap = rt.totalMemory() - rt.freeMemory();
            return new ControllerScaleResult(p, firstBuild / 1e6, syncNanos / 1e6, syncBytes,
                    oneChange.stats(), oneChangeBytes, oneChangeCpu / 1e6,
                    podsPerFailure, failures.stats(), failureBytes, failureCpu / 1e6,
                    heap >> 20, rt.maxMemory() >> 20, (os.getProcessCpuTime() - cpuStart) / 1e9,
                    (System.nanoTime() - wallStart) / 1e9, Runtime.getRuntime().availableProcessors(),
                    os.getSystemLoadAverage());
        } finally {
            proxies.forEach(SimulatedProxy::close);
            channel.shutdownNow();
            server.shutdownNow();
            pipeline.close();
            push.shutdownNow();
            clientExecutor.shutdownNow();
        }
    }

    private static long bytes(List<SimulatedProxy> proxies) {
        return proxies.stream().mapToLong(x -> x.bytes.get()).sum();
    }

    private static void await(String what, BooleanSupplier condition) throws TimeoutException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("timed out after " + WAIT + " waiting for " + what);
            }
            // each proxy stamps its own ACK time, so a coarse poll does not bias the samples; it only keeps this
            // scan of every proxy from taking CPU the controller needs
            LockSupport.parkNanos(1_000_000);
        }
    }

    /** Change-to-ACK samples: per proxy, and per round the slowest proxy (change to all ACKed). */
    private static final class Samples {
        private final List<Long> perProxy = new ArrayList<>();
        private final List<Long> allAcked = new ArrayList<>();

        void round(List<SimulatedProxy> proxies, long changeNanos) {
            long max = 0;
            for (SimulatedProxy x : proxies) {
                long d = x.probeAckNanos() - changeNanos;
                perProxy.add(d);
                max = Math.max(max, d);
            }
            allAcked.add(max);
        }

        ControllerScaleResult.Latency stats() {
            long[] pp = perProxy.stream().mapToLong(Long::longValue).sorted().toArray();
            long[] all = allAcked.stream().mapToLong(Long::longValue).sorted().toArray();
            return new ControllerScaleResult.Latency(all.length, ms(pct(pp, 0.5)), ms(pct(pp, 0.99)),
                    ms(pct(all, 0.5)), ms(pct(all, 0.99)), ms(all[all.length - 1]));
        }

        String summary() {
            ControllerScaleResult.Latency l = stats();
            return "per proxy p50 %.1f ms p99 %.1f ms; all ACKed p50 %.1f ms p99 %.1f ms (%d rounds)"
                    .formatted(l.perProxyP50Ms(), l.perProxyP99Ms(), l.allAckedP50Ms(), l.allAckedP99Ms(),
                            l.rounds());
        }

        private static long pct(long[] sorted, double q) {
            return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1))];
        }

        private static double ms(long nanos) {
            return Math.round(nanos / 100_000.0) / 10.0;
        }
    }
}
