package io.trellis.node.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.controller.Controller;
import io.trellis.controller.ControllerSettings;
import io.trellis.identity.RenewalPolicy;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.SvidVerifier;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.node.inpod.PodInfo;
import io.trellis.node.testing.LocalController;
import io.trellis.testkit.Await;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The certificate manager against the real controller (CA service with node authorization) on loopback. */
class CertificateManagerTest {

    private static final String TOKEN = "node-a-bootstrap-token-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final SpiffeId CLIENT = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/client");
    private static final SpiffeId REVIEWS = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/reviews");
    private static final SpiffeId RATINGS = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/ratings");

    @TempDir
    Path dir;
    private Controller controller;
    private ControllerSettings settings;
    private ManagedChannel channel;
    private ScheduledExecutorService scheduler;
    private final AtomicInteger caRequests = new AtomicInteger();
    private CertificateManager manager;

    @BeforeEach
    void setUp() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("mesh.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo, labels: {trellis.io/dataplane-mode: ambient}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: client, namespace: demo, labels: {app: client}}
                spec: {serviceAccountName: client, nodeName: node-a}
                status: {phase: Running, podIP: 10.42.1.10}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: reviews-v1, namespace: demo, labels: {app: reviews}}
                spec: {serviceAccountName: reviews, nodeName: node-a}
                status: {phase: Running, podIP: 10.42.1.11}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: ratings, namespace: demo, labels: {app: ratings}}
                spec: {serviceAccountName: ratings, nodeName: node-b}
                status: {phase: Running, podIP: 10.42.2.10}
                """);
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "node node-a " + TOKEN + "\n");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        settings = LocalController.settings(config, port, tokens);
        controller = new Controller(settings);
        controller.start();
        Await.until("controller ready", WAIT, controller::ready);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("certs").factory());
        manager = manager(Duration.ofHours(1));
    }

    private CertificateManager manager(Duration ttl) {
        GrpcCaClient grpc = new GrpcCaClient(channel, () -> TOKEN, ttl, Duration.ofSeconds(10), Clock.systemUTC());
        CaClient counting = id -> {
            caRequests.incrementAndGet();
            return grpc.fetch(id);
        };
        return new CertificateManager(counting, "cluster.local", scheduler, Clock.systemUTC(), new Random(7),
                new RenewalPolicy(0.5, Duration.ofMillis(200), Duration.ofSeconds(1), 0.2), new SimpleMeterRegistry());
    }

    @AfterEach
    void tearDown() throws Exception {
        manager.close();
        scheduler.shutdownNow();
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        controller.close();
    }

    @Test
    void concurrentRequestsForOneIdentityShareOneCaRequest() throws Exception {
        List<WorkloadCertificate> announced = new java.util.concurrent.CopyOnWriteArrayList<>();
        manager.addListener(announced::add);
        List<CompletableFuture<WorkloadCertificate>> futures = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(8)) {
            List<CompletableFuture<CompletableFuture<WorkloadCertificate>>> asks = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                asks.add(CompletableFuture.supplyAsync(() -> manager.certificate(REVIEWS), pool));
            }
            for (var a : asks) {
                futures.add(a.get());
            }
        }
        WorkloadCertificate first = futures.getFirst().get(30, TimeUnit.SECONDS);
        for (var f : futures) {
            assertThat(f.get(30, TimeUnit.SECONDS)).isSameAs(first);
        }
        assertThat(caRequests).hasValue(1);
        Await.until("listener told", WAIT, () -> announced.contains(first));
        assertThat(new SvidVerifier(first.trustBundle(), Clock.systemUTC()).verify(first.chain(), REVIEWS))
                .isEqualTo(REVIEWS);
        assertThat(manager.current(REVIEWS)).isSameAs(first);
        assertThat(manager.certificate(REVIEWS)).isCompletedWithValue(first);
        assertThat(manager.statuses()).singleElement().satisfies(s -> {
            assertThat(s.identity()).isEqualTo(REVIEWS.uri());
            assertThat(s.serial()).isEqualTo(first.leaf().getSerialNumber().toString(16));
            assertThat(s.nextRenewal()).isNotNull();
        });
    }

    @Test
    void enrolledPodsArePrefetchedAndDepartedOnesForgotten() {
        manager.syncWith(List.of(new PodInfo("u1", "client", "demo", "client"),
                new PodInfo("u2", "reviews-v1", "demo", "reviews")));
        Await.until("both prefetched", WAIT, () -> manager.current(CLIENT) != null && manager.current(REVIEWS) != null);
        assertThat(manager.allReady()).isTrue();

        manager.syncWith(List.of(new PodInfo("u2", "reviews-v1", "demo", "reviews")));
        assertThat(manager.current(CLIENT)).isNull();
        assertThat(manager.statuses()).extracting(CertificateStatus::identity).containsExactly(REVIEWS.uri());
    }

    @Test
    void identityWithoutAPodOnThisNodeIsRefusedWithTheReason() {
        CompletableFuture<WorkloadCertificate> f = manager.certificate(RATINGS);
        assertThatThrownBy(() -> f.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(CertificateUnavailableException.class)
                .hasMessageContaining("PERMISSION_DENIED").hasMessageContaining("node-a");
        assertThat(manager.allReady()).isFalse();
    }

    @Test
    void renewsAtHalfLifeAndKeepsTheValidCertificateWhileTheCaIsDown() throws Exception {
        manager.close();
        manager = manager(Duration.ofSeconds(4)); // renewal due 2 s after issue
        WorkloadCertificate first = manager.certificate(CLIENT).get(30, TimeUnit.SECONDS);
        Await.until("renewed at half life", WAIT, () -> manager.current(CLIENT) != null
                && !manager.current(CLIENT).leaf().getSerialNumber().equals(first.leaf().getSerialNumber()));
        WorkloadCertificate renewed = manager.current(CLIENT);
        assertThat(renewed.notAfter()).isAfter(first.notAfter());

        controller.close();
        Await.until("a renewal failed with the CA down", WAIT,
                () -> manager.statuses().getFirst().consecutiveFailures() > 0);
        // still served while valid: the failed renewal replaced nothing
        WorkloadCertificate kept = manager.current(CLIENT);
        assertThat(kept).isSameAs(renewed);
        assertThat(manager.certificate(CLIENT)).isCompletedWithValue(renewed);
        controller = new Controller(settings); // for tearDown
        controller.start();
    }
}
