package io.trellis.controller.bench;

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
import io.trellis.testkit.Await;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller at scale, in one process: 10,000 pods on 100 nodes, 1,000 services, 2,000 proxy streams
 * (in-process gRPC). Measures initial sync, change-to-ACK for one endpoint change and for a 100-pod node
 * failure, bytes pushed, heap and CPU. Run on demand:
 * {@code mvn -pl controller test -Dtest=ControllerScaleBench -Dsurefire.failIfNoSpecifiedTests=false}.
 * It measures; it asserts only that every proxy got every change.
 */
class ControllerScaleBench {

    private static final Logger LOG = LoggerFactory.getLogger(ControllerScaleBench.class);
    private static final int PODS = Integer.getInteger("bench.pods", 10_000);
    private static final int SERVICES = Integer.getInteger("bench.services", 1_000);
    private static final int PROXIES = Integer.getInteger("bench.proxies", 2_000);
    private static final int NODES = 100;
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 30);
    /** Rounds left out of the statistics: the JIT is still compiling the push path. */
    private static final int WARMUP = Integer.getInteger("bench.warmup", 5);
    private static final Duration WAIT = Duration.ofMinutes(3);

    private static PodConfig pod(int i, InetAddress ip) {
        int svc = i % SERVICES;
        return new PodConfig(new ObjectMeta("pod" + i, "ns" + (svc % 10), Map.of("app", "svc" + svc)), "sa" + svc,
                "node" + (i % NODES), List.of(ip), true, Map.of());
    }

    private static InetAddress ip(int b, int i) {
        return InetAddress.ofLiteral("10." + b + "." + (i / 256) + "." + (i % 256));
    }

    private static List<ConfigObject> cluster() {
        List<ConfigObject> objects = new ArrayList<>();
        for (int ns = 0; ns < 10; ns++) {
            objects.add(new NamespaceConfig(new ObjectMeta("ns" + ns, "", Map.of("trellis.io/dataplane-mode",
                    "ambient"))));
        }
        for (int s = 0; s < SERVICES; s++) {
            objects.add(new ServiceConfig(new ObjectMeta("svc" + s, "ns" + (s % 10), Map.of()),
                    Map.of("app", "svc" + s), List.of(ip(96, s)),
                    List.of(new ServiceConfig.Port("http", 80, 8080, "", "http"))));
        }
        for (int i = 0; i < PODS; i++) {
            objects.add(pod(i, ip(1, i)));
        }
        return objects;
    }

    @Test
    void scale() {
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuStart = os.getProcessCpuTime();
        ScheduledExecutorService push = Executors.newSingleThreadScheduledExecutor();
        ExecutorService clientExecutor = Executors.newFixedThreadPool(2);
        TaskScheduler scheduler = TaskScheduler.of(push);
        WorkloadXdsServer xds = new WorkloadXdsServer(new SimpleMeterRegistry(), Clock.systemUTC(),
                scheduler::nanoTime);
        PushPipeline pipeline = new PushPipeline(MeshSettings.defaults(), xds, m -> { }, scheduler,
                Debouncer.DEFAULT_QUIET, Debouncer.DEFAULT_MAX_DELAY);
        String name = InProcessServerBuilder.generateName();
        Server server;
        try {
            server = InProcessServerBuilder.forName(name).addService(xds).build().start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        ManagedChannel channel = InProcessChannelBuilder.forName(name).executor(clientExecutor).build();
        List<ConfigObject> objects = cluster();
        long t0 = System.nanoTime();
        pipeline.accept(ConfigSnapshot.of(objects, List.of()));
        Await.until("first snapshot", WAIT, () -> xds.current().generation() == 1);
        long built = System.nanoTime();

        List<SimulatedProxy> proxies = new ArrayList<>();
        long syncStart = System.nanoTime();
        for (int i = 0; i < PROXIES; i++) {
            SimulatedProxy p = new SimulatedProxy(channel, "node" + (i % NODES) + "-" + i);
            proxies.add(p);
            p.subscribe(TypeUrls.ALL);
        }
        long expected = (long) PODS + SERVICES;
        Await.until("initial sync", WAIT, () -> proxies.stream().allMatch(p -> p.resources.get() == expected)
                && allAcked(xds));
        long syncEnd = System.nanoTime();
        long syncBytes = proxies.stream().mapToLong(p -> p.bytes.get()).sum();
        LOG.info("event=bench_initial_sync pods={} services={} proxies={} first_build_ms={} sync_ms={} "
                        + "bytes_total={} bytes_per_proxy={}", PODS, SERVICES, PROXIES, ms(built - t0),
                ms(syncEnd - syncStart), syncBytes, syncBytes / PROXIES);

        // one endpoint changes, ROUNDS times
        List<Long> perProxy = new ArrayList<>();
        List<Long> allAck = new ArrayList<>();
        long bytesBefore = proxies.stream().mapToLong(p -> p.bytes.get()).sum();
        for (int round = 0; round < ROUNDS; round++) {
            int victim = 17 + round * 307;
            String uid = "ns" + (victim % SERVICES % 10) + "/pod" + victim;
            proxies.forEach(p -> p.probe(r -> SimulatedProxy.names(r, uid)));
            objects.set(objects.indexOf(pod(victim, ip(1, victim))), pod(victim, ip(200, victim + round)));
            long change = System.nanoTime();
            pipeline.accept(ConfigSnapshot.of(objects, List.of()));
            Await.until("all proxies ACKed round " + round, WAIT,
                    () -> proxies.stream().allMatch(p -> p.probeAckNanos() != 0));
            long max = 0;
            for (SimulatedProxy p : proxies) {
                long d = p.probeAckNanos() - change;
                if (round >= WARMUP) {
                    perProxy.add(d);
                }
                max = Math.max(max, d);
            }
            if (round >= WARMUP) {
                allAck.add(max);
            }
        }
        long oneChangeBytes = (proxies.stream().mapToLong(p -> p.bytes.get()).sum() - bytesBefore) / ROUNDS;
        LOG.info("event=bench_note warmup_rounds_excluded={} rounds={}", WARMUP, ROUNDS);
        report("one_endpoint_change", perProxy, allAck, oneChangeBytes);

        // node failure: all 100 pods of node7 disappear at once
        String probeUid = "ns" + (7 % SERVICES % 10) + "/pod7";
        proxies.forEach(p -> p.probe(r -> SimulatedProxy.names(r, probeUid)));
        bytesBefore = proxies.stream().mapToLong(p -> p.bytes.get()).sum();
        List<ConfigObject> failed = new ArrayList<>(objects);
        failed.removeIf(o -> o instanceof PodConfig pc && pc.nodeName().equals("node7"));
        long change = System.nanoTime();
        pipeline.accept(ConfigSnapshot.of(failed, List.of()));
        Await.until("all proxies ACKed the node failure", WAIT,
                () -> proxies.stream().allMatch(p -> p.probeAckNanos() != 0));
        List<Long> failure = new ArrayList<>();
        for (SimulatedProxy p : proxies) {
            failure.add(p.probeAckNanos() - change);
        }
        long failureBytes = proxies.stream().mapToLong(p -> p.bytes.get()).sum() - bytesBefore;
        report("node_failure_100_pods", failure, List.of(failure.stream().mapToLong(Long::longValue).max()
                .orElse(0)), failureBytes);

        System.gc();
        Runtime rt = Runtime.getRuntime();
        long heap = rt.totalMemory() - rt.freeMemory();
        long cpu = os.getProcessCpuTime() - cpuStart;
        LOG.info("event=bench_resources heap_after_gc_mb={} max_heap_mb={} process_cpu_s={} wall_s={}",
                heap >> 20, rt.maxMemory() >> 20, cpu / 1_000_000_000.0, (System.nanoTime() - t0) / 1e9);

        proxies.forEach(SimulatedProxy::close);
        channel.shutdownNow();
        server.shutdownNow();
        pipeline.close();
        push.shutdownNow();
        clientExecutor.shutdownNow();
    }

    private static boolean allAcked(WorkloadXdsServer xds) {
        return xds.statuses().stream().flatMap(s -> s.getTypesList().stream())
                .allMatch(t -> t.getPendingResources() == 0 && t.getLastSentNonce().equals(t.getLastAckedNonce()));
    }

    private static void report(String what, List<Long> perProxy, List<Long> allAck, long bytesPerRound) {
        long[] sorted = perProxy.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] all = allAck.stream().mapToLong(Long::longValue).sorted().toArray();
        LOG.info("event=bench_{} samples={} change_to_ack_p50_ms={} p99_ms={} max_ms={} all_acked_median_ms={} "
                        + "bytes_pushed_per_change={} rounds_all_acked_ms={}", what, sorted.length,
                ms(pct(sorted, 0.50)), ms(pct(sorted, 0.99)), ms(sorted[sorted.length - 1]), ms(pct(all, 0.5)),
                bytesPerRound, Arrays.toString(Arrays.stream(all).map(v -> v / 1_000_000).toArray()));
    }

    private static long pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
