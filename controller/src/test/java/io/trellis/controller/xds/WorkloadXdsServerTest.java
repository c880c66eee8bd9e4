package io.trellis.controller.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.api.workload.v1.ListProxiesRequest;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.api.workload.v1.ProxyStatusServiceGrpc;
import io.trellis.api.workload.v1.TypeStatus;
import io.trellis.api.workload.v1.Workload;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.source.ConfigObject;
import io.trellis.controller.source.ConfigSnapshot;
import io.trellis.controller.source.NamespaceConfig;
import io.trellis.controller.source.ObjectMeta;
import io.trellis.controller.source.PodConfig;
import io.trellis.controller.source.ServiceConfig;
import io.trellis.testkit.Await;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WorkloadXdsServerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ManualScheduler scheduler = new ManualScheduler();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final WorkloadXdsServer server = new WorkloadXdsServer(registry, Clock.systemUTC(), scheduler::nanoTime);
    private final AtomicReference<MeshModel> model = new AtomicReference<>();
    private final PushPipeline pipeline = new PushPipeline(MeshSettings.defaults(), server, model::set, scheduler,
            Debouncer.DEFAULT_QUIET, Debouncer.DEFAULT_MAX_DELAY);
    private final List<TestProxy> proxies = new ArrayList<>();
    private Server grpc;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        grpc = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(server, new PeerAddress()))
                .addService(new ProxyStatusServiceImpl(server)).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        proxies.forEach(TestProxy::close);
        channel.shutdownNow();
        grpc.shutdownNow();
    }

    private TestProxy connect(String id) {
        TestProxy p = new TestProxy(channel, id);
        proxies.add(p);
        return p;
    }

    /** {@code pods} pods in 10 namespaces on 100 nodes, one Service per 100 pods. */
    private static List<ConfigObject> cluster(int pods) {
        List<ConfigObject> objects = new ArrayList<>();
        for (int ns = 0; ns < 10; ns++) {
            objects.add(new NamespaceConfig(new ObjectMeta("ns" + ns, "", Map.of("trellis.io/dataplane-mode",
                    "ambient"))));
        }
        for (int s = 0; s < pods / 100; s++) {
            objects.add(new ServiceConfig(new ObjectMeta("svc" + s, "ns" + (s % 10), Map.of()),
                    Map.of("app", "svc" + s), List.of(ip(10, 96, s)),
                    List.of(new ServiceConfig.Port("http", 80, 8080, "", "http"))));
        }
        for (int i = 0; i < pods; i++) {
            objects.add(pod(i, ip(10, 1, i)));
        }
        return objects;
    }

    private static PodConfig pod(int i, InetAddress address) {
        int svc = i / 100;
        return new PodConfig(new ObjectMeta("pod" + i, "ns" + (svc % 10), Map.of("app", "svc" + svc)), "sa" + svc,
                "node" + (i % 100), List.of(address), true, Map.of());
    }

    private static InetAddress ip(int a, int b, int i) {
        return InetAddress.ofLiteral(a + "." + b + "." + (i / 256) + "." + (i % 256));
    }

    private void apply(List<ConfigObject> objects) {
        pipeline.accept(ConfigSnapshot.of(objects, List.of()));
        scheduler.advance(Debouncer.DEFAULT_QUIET);
    }

    private void awaitAllAcked() {
        Await.until("every proxy acked everything", WAIT, () -> server.statuses().stream()
                .flatMap(s -> s.getTypesList().stream())
                .allMatch(t -> t.getPendingResources() == 0 && t.getLastSentNonce().equals(t.getLastAckedNonce())));
    }

    @Test
    void onePodChangeAmongTenThousandPushesExactlyThatPod() {
        List<ConfigObject> objects = cluster(10_000);
        apply(objects);
        List<TestProxy> ps = List.of(connect("node0"), connect("node1"), connect("node2"));
        for (TestProxy p : ps) {
            p.subscribe(TypeUrls.WORKLOAD, Map.of());
            p.subscribe(TypeUrls.SERVICE, Map.of());
        }
        long initialBytes = 0;
        for (TestProxy p : ps) {
            DeltaDiscoveryResponse w = p.next();
            DeltaDiscoveryResponse s = p.next();
            DeltaDiscoveryResponse workloads = w.getTypeUrl().equals(TypeUrls.WORKLOAD) ? w : s;
            DeltaDiscoveryResponse services = w == workloads ? s : w;
            assertThat(workloads.getResourcesCount()).isEqualTo(10_000);
            assertThat(services.getResourcesCount()).isEqualTo(100);
            p.ack(w);
            p.ack(s);
            initialBytes = p.bytesReceived;
        }
        awaitAllAcked();

        // pod 4242 moves to a new IP
        Map<TestProxy, Long> before = new HashMap<>();
        ps.forEach(p -> before.put(p, p.bytesReceived));
        objects.set(objects.indexOf(pod(4242, ip(10, 1, 4242))), pod(4242, InetAddress.ofLiteral("10.9.9.9")));
        apply(objects);

        for (TestProxy p : ps) {
            DeltaDiscoveryResponse r = p.next();
            assertThat(r.getTypeUrl()).isEqualTo(TypeUrls.WORKLOAD);
            assertThat(TestProxy.names(r)).containsExactly("ns2/pod4242");
            assertThat(r.getRemovedResourcesList()).isEmpty();
            long bytes = p.bytesReceived - before.get(p);
            assertThat(bytes).isEqualTo(r.getSerializedSize()).isLessThan(400);
            assertThat(initialBytes).isGreaterThan(bytes * 1000);
            p.ack(r);
        }
        awaitAllAcked();
        for (TestProxy p : ps) {
            assertThat(p.received).as("nothing but the one resource was pushed to " + p.id).isEmpty();
        }
        assertThat(registry.get("trellis.xds.connected.proxies").gauge().value()).isEqualTo(3);
        assertThat(registry.get("trellis.xds.change.to.ack").tag("type", "Workload").timer().count())
                .isEqualTo(6);
    }

    @Test
    void reconnectWithInitialVersionsGetsOnlyWhatChanged() throws Exception {
        List<ConfigObject> objects = cluster(1_000);
        apply(objects);
        TestProxy first = connect("node7");
        first.subscribe(TypeUrls.WORKLOAD, Map.of());
        DeltaDiscoveryResponse initial = first.next();
        first.ack(initial);
        Map<String, String> held = new HashMap<>(first.versions);
        first.close();
        Await.until("first stream gone", WAIT, () -> server.connectedProxies() == 0);

        // while disconnected: one pod changes, one is deleted
        objects.set(objects.indexOf(pod(5, ip(10, 1, 5))), pod(5, InetAddress.ofLiteral("10.9.9.5")));
        objects.remove(pod(6, ip(10, 1, 6)));
        apply(objects);

        TestProxy again = connect("node7");
        again.subscribe(TypeUrls.WORKLOAD, held);
        DeltaDiscoveryResponse r = again.next();

        assertThat(TestProxy.names(r)).containsExactly("ns0/pod5");
        assertThat(r.getRemovedResourcesList()).containsExactly("ns0/pod6");
    }

    @Test
    void nackKeepsThePreviousVersionAndIsVisible() {
        List<ConfigObject> objects = cluster(200);
        apply(objects);
        TestProxy p = connect("node3");
        p.subscribe(TypeUrls.WORKLOAD, Map.of());
        p.ack(p.next());
        awaitAllAcked();
        String good = server.ackedVersion("node3", TypeUrls.WORKLOAD, "ns0/pod1");
        assertThat(good).isNotNull();

        objects.set(objects.indexOf(pod(1, ip(10, 1, 1))), pod(1, InetAddress.ofLiteral("10.9.9.1")));
        apply(objects);
        DeltaDiscoveryResponse bad = p.next();
        p.nack(bad, "workload ns0/pod1: address 10.9.9.1 overlaps the node's own range");

        ProxyStatus status = Await.value("NACK visible", WAIT, () -> server.statuses().getFirst(),
                s -> s.getTypes(0).getNacksTotal() == 1);
        TypeStatus t = status.getTypes(0);
        assertThat(t.getLastNack().getMessage()).contains("overlaps");
        assertThat(t.getLastNack().getNonce()).isEqualTo(bad.getNonce());
        assertThat(t.getPendingResources()).isEqualTo(1);
        assertThat(server.ackedVersion("node3", TypeUrls.WORKLOAD, "ns0/pod1")).isEqualTo(good);
        assertThat(registry.get("trellis.xds.nacks").tag("type", "Workload").counter().count()).isEqualTo(1);

        // the status API carries the same
        ProxyStatus viaApi = ProxyStatusServiceGrpc.newBlockingStub(channel)
                .listProxies(ListProxiesRequest.getDefaultInstance()).getProxies(0);
        assertThat(viaApi.getProxyId()).isEqualTo("node3");
        assertThat(viaApi.getTypes(0).getLastNack().getMessage()).contains("overlaps");

        // the next, good change is pushed alone and clears the NACK once acknowledged
        objects.set(objects.indexOf(pod(1, InetAddress.ofLiteral("10.9.9.1"))), pod(1, ip(10, 1, 1)));
        apply(objects);
        DeltaDiscoveryResponse fixed = p.next();
        assertThat(TestProxy.names(fixed)).containsExactly("ns0/pod1");
        assertThat(fixed.getResources(0).getVersion()).isEqualTo(good);
        p.ack(fixed);
        Await.until("NACK cleared", WAIT, () -> !server.statuses().getFirst().getTypes(0).hasLastNack());
        assertThat(server.ackedVersion("node3", TypeUrls.WORKLOAD, "ns0/pod1")).isEqualTo(good);
    }

    @Test
    void explicitNamesAndUnsubscribe() throws Exception {
        apply(cluster(200));
        TestProxy p = connect("node4");
        p.send(io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(TypeUrls.WORKLOAD).addResourceNamesSubscribe("ns1/pod101").build());
        DeltaDiscoveryResponse r = p.next();
        assertThat(TestProxy.names(r)).containsExactly("ns1/pod101");
        Workload w = r.getResources(0).getResource().unpack(Workload.class);
        assertThat(w.getNode()).isEqualTo("node1");
        assertThat(w.getServicesMap()).containsKey("ns1/svc1.ns1.svc.cluster.local");
        p.ack(r);

        p.send(io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(TypeUrls.WORKLOAD).addResourceNamesSubscribe("ns0/pod0")
                .addResourceNamesUnsubscribe("ns1/pod101").build());
        DeltaDiscoveryResponse r2 = p.next();
        assertThat(TestProxy.names(r2)).containsExactly("ns0/pod0");
        assertThat(r2.getRemovedResourcesList()).isEmpty();
    }

    /** The server side of a stream whose readiness the test controls, as a slow proxy's transport would. */
    private static final class SlowStream extends io.grpc.stub.ServerCallStreamObserver<DeltaDiscoveryResponse> {
        final List<DeltaDiscoveryResponse> sent = new ArrayList<>();
        volatile boolean ready = true;
        Runnable onReady = () -> { };

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void setOnReadyHandler(Runnable handler) {
            onReady = handler;
        }

        @Override
        public void onNext(DeltaDiscoveryResponse value) {
            sent.add(value);
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setOnCancelHandler(Runnable handler) {
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onCompleted() {
        }
    }

    @Test
    void slowProxyGetsOneCoalescedResponseWhenItCatchesUp() {
        List<ConfigObject> objects = cluster(200);
        apply(objects);
        SlowStream out = new SlowStream();
        io.grpc.stub.StreamObserver<io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest> in =
                server.deltaWorkloads(out);
        in.onNext(io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(TypeUrls.WORKLOAD).addResourceNamesSubscribe("*").build());
        assertThat(out.sent).singleElement().satisfies(r -> assertThat(r.getResourcesCount()).isEqualTo(200));
        in.onNext(io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(TypeUrls.WORKLOAD).setResponseNonce(out.sent.getFirst().getNonce()).build());

        // the transport's buffer is full: three pushes are held back
        out.ready = false;
        for (int i = 3; i <= 5; i++) {
            objects.set(objects.indexOf(pod(i, ip(10, 1, i))), pod(i, InetAddress.ofLiteral("10.9.9." + i)));
            apply(objects);
        }
        assertThat(out.sent).hasSize(1);

        out.ready = true;
        out.onReady.run();
        assertThat(out.sent).hasSize(2);
        assertThat(TestProxy.names(out.sent.get(1))).containsExactly("ns0/pod3", "ns0/pod4", "ns0/pod5");
        out.onReady.run();
        assertThat(out.sent).as("nothing more once caught up").hasSize(2);
        in.onCompleted();
    }

    @Test
    void emptyConfigStillAnswersTheFirstRequest() {
        TestProxy p = connect("node5");
        p.subscribe(TypeUrls.AUTHORIZATION, Map.of());

        DeltaDiscoveryResponse r = p.next();

        assertThat(r.getResourcesCount()).isZero();
        assertThat(r.getNonce()).isNotEmpty();
    }

    @Test
    void unknownTypeIsIgnoredAndTheStreamStaysUsable() {
        apply(cluster(100));
        TestProxy p = connect("node6");
        p.subscribe("type.googleapis.com/envoy.config.cluster.v3.Cluster", Map.of());
        p.subscribe(TypeUrls.SERVICE, Map.of());

        DeltaDiscoveryResponse r = p.next();

        assertThat(r.getTypeUrl()).isEqualTo(TypeUrls.SERVICE);
        assertThat(r.getResourcesCount()).isEqualTo(1);
    }

    @Test
    void modelIsHandedToTheCa() {
        apply(cluster(100));

        assertThat(model.get().nodeRuns("node3", "ns0", "sa0")).isTrue();
    }
}
