package io.trellis.waypoint.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.trellis.controller.Controller;
import io.trellis.controller.ControllerSettings;
import io.trellis.controller.model.MeshSettings;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.proxy.core.hbone.HboneClientPool;
import io.trellis.proxy.core.hbone.HboneHandler;
import io.trellis.proxy.core.hbone.HbonePoolConfig;
import io.trellis.proxy.core.hbone.HboneServer;
import io.trellis.proxy.core.hbone.HboneServerConfig;
import io.trellis.proxy.core.hbone.TunnelRequest;
import io.trellis.proxy.core.relay.Relay;
import io.trellis.proxy.core.tls.ServerCertificates;
import io.trellis.proxy.core.tls.TlsContexts;
import io.trellis.proxy.core.transport.ChannelTuning;
import io.trellis.proxy.core.transport.TcpConnector;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.testkit.Await;
import io.trellis.waypoint.MeshWaypoint;
import io.trellis.waypoint.MeshWaypointAdmin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import io.trellis.proxy.core.ca.ControllerCaClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The waypoint as a mesh component, in-process on loopback: a real controller (YAML dir: Gateway
 * reviews-waypoint, Service reviews bound to it, HTTPRoute 90/10 with a retry on 503), the waypoint
 * started by {@link MeshWaypoint} (certificate from the controller's CA with its bootstrap token,
 * config over xDS), two backend pods as real HBONE servers presenting the workload identity issued by
 * the same CA in front of two HTTP servers, and an HBONE client acting as the source node-proxy.
 */
class MeshWaypointEndToEndTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NODE_TOKEN = "node-a-token-0123456789abcdef";
    private static final String WAYPOINT_TOKEN = "waypoint-token-0123456789abcdef";
    private static final SpiffeId CLIENT = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/productpage");
    private static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/reviews");
    private static final InetSocketAddress VIP = new InetSocketAddress("10.96.0.20", 9080);
    private static final String POD_V1 = "127.0.0.2";
    private static final String POD_V2 = "127.0.0.3";

    @TempDir
    Path dir;
    private final Transport transport = Transports.choice().transport();
    private final EventLoopGroup group = transport.newEventLoopGroup(2, "e2e");
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ExecutorService httpThreads = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("pod-http-", 0).factory());
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final AtomicInteger flaky503 = new AtomicInteger();
    private Controller controller;
    private ManagedChannel channel;
    private MeshWaypoint waypoint;
    private HboneClientPool nodeProxy;
    private Channel entry;
    private WorkloadCertificate clientCert;

    @BeforeEach
    void start() throws Exception {
        int[] ports = twoPortsFreeOnBothPods();
        int httpPort = ports[0];
        int hbonePort = ports[1];
        MeshConfigDir.write(dir, POD_V1, POD_V2, httpPort);
        Files.writeString(dir.resolve("05-client.yaml"), """
                apiVersion: v1
                kind: Pod
                metadata: {name: productpage, namespace: demo, labels: {app: productpage}}
                spec: {serviceAccountName: productpage, nodeName: node-a}
                status: {phase: Running, podIP: 127.0.0.4}
                """);
        Path tokens = dir.resolveSibling(dir.getFileName() + "-tokens");
        Files.writeString(tokens, "node node-a " + NODE_TOKEN + "\nwaypoint demo/reviews-waypoint " + WAYPOINT_TOKEN
                + "\n");
        closing.add(() -> Files.deleteIfExists(tokens));
        int xdsPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            xdsPort = s.getLocalPort();
        }
        controller = new Controller(new ControllerSettings(dir, false, MeshSettings.defaults(), "127.0.0.1", xdsPort,
                0, 0, null, tokens, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofHours(24),
                Duration.ofMillis(200)));
        controller.start();
        Await.until("controller ready", WAIT, controller::ready);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", xdsPort).usePlaintext().build();

        // The pods' node-proxy: certificates from the same CA with the node's token.
        ControllerCaClient nodeCa = new ControllerCaClient(channel, () -> NODE_TOKEN, Duration.ofHours(1), Duration.ofSeconds(20),
                Clock.systemUTC());
        WorkloadCertificate podCert = nodeCa.fetch(WORKLOAD).get(60, TimeUnit.SECONDS);
        clientCert = nodeCa.fetch(CLIENT).get(60, TimeUnit.SECONDS);
        pod(POD_V1, httpPort, hbonePort, "v1", podCert);
        pod(POD_V2, httpPort, hbonePort, "v2", podCert);

        waypoint = MeshWaypoint.start(new MeshWaypoint.Options("demo", "reviews-waypoint", "reviews-waypoint",
                        "cluster.local", new InetSocketAddress("127.0.0.1", 0), hbonePort, 64 * 1024,
                        Duration.ofHours(1)),
                channel, () -> WAYPOINT_TOKEN, group, transport, registry, WAIT);
        Await.until("waypoint has its config", WAIT, waypoint::ready);

        SslContext clientTls = TlsContexts.client(clientCert, Clock.systemUTC());
        nodeProxy = HboneClientPool.create(HbonePoolConfig.defaults(), id -> id.equals(CLIENT) ? clientTls : null,
                group, transport, registry);
        entry = entryTo(SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/reviews-waypoint"));
    }

    @AfterEach
    void stop() throws Exception {
        if (entry != null) {
            entry.close().syncUninterruptibly();
        }
        if (nodeProxy != null) {
            nodeProxy.close();
        }
        if (waypoint != null) {
            waypoint.close();
        }
        for (AutoCloseable c : closing.reversed()) {
            c.close();
        }
        if (channel != null) {
            channel.shutdownNow();
        }
        if (controller != null) {
            controller.close();
        }
        httpThreads.shutdownNow();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void splitRetryAndL7PolicyThroughTheControllerDrivenWaypoint() throws Exception {
        int v1 = 0;
        int v2 = 0;
        for (int i = 0; i < 1000; i++) {
            Response r = get("/reviews/" + i);
            assertThat(r.status()).as("request %d: %s", i, r.body()).isEqualTo(200);
            if (r.body().equals("v1")) {
                v1++;
            } else if (r.body().equals("v2")) {
                v2++;
            }
        }
        LoggerFactory.getLogger(MeshWaypointEndToEndTest.class).info("event=e2e_split v1={} v2={}", v1, v2);
        assertThat(v1 + v2).isEqualTo(1000);
        // 10 % expected; binomial sd is ~0.95 %, so 5..15 % is beyond 5 sd either way
        assertThat(v2).isBetween(50, 150);

        // Each pod answers 503 on its first /flaky; the route's retry on 503 hides that.
        Response flaky = get("/flaky");
        assertThat(flaky.status()).isEqualTo(200);
        assertThat(flaky503.get()).isGreaterThanOrEqualTo(1);

        MeshConfigDir.policy(dir, """
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: no-admin, namespace: demo}
                spec:
                  action: DENY
                  rules:
                    - to: [{operation: {paths: ["/admin*"]}}]
                """);
        Await.until("DENY policy in force", WAIT, () -> !waypoint.proxy().config().policies().isEmpty());
        assertThat(get("/admin/users").status()).isEqualTo(403);
        assertThat(get("/reviews/1").status()).isEqualTo(200);

        try (MeshWaypointAdmin admin = MeshWaypointAdmin.start(waypoint, registry, new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0), () -> { })) {
            assertThat(http(admin.readinessPort(), "/healthz/ready")).startsWith("200 ready");
            assertThat(http(admin.adminPort(), "/config_dump")).contains("\"connected\" : true")
                    .contains("reviews.demo.svc.cluster.local").contains("demo/no-admin DENY")
                    .contains("spiffe://cluster.local/ns/demo/sa/reviews")
                    .contains("identity=spiffe://cluster.local/ns/demo/sa/reviews workload=demo/reviews-v1 version=v1");
            assertThat(http(admin.adminPort(), "/certs")).contains("spiffe://cluster.local/ns/demo/sa/reviews-waypoint");
            // The controller's EDS metadata names each endpoint's workload: the requests are counted per
            // destination pod and version, not as one "unknown" destination.
            String metrics = http(admin.metricsPort(), "/stats/prometheus");
            assertThat(metrics).contains("istio_requests_total");
            assertThat(metrics.lines().filter(l -> l.startsWith("istio_requests_total{")))
                    .anyMatch(l -> l.contains("destination_workload=\"reviews-v1\"")
                            && l.contains("destination_version=\"v1\"") && l.contains("destination_app=\"reviews\"")
                            && l.contains("destination_workload_namespace=\"demo\"") && l.contains("response_code=\"200\""))
                    .anyMatch(l -> l.contains("destination_workload=\"reviews-v2\"")
                            && l.contains("destination_version=\"v2\""));

            waypoint.drain();
            assertThat(http(admin.readinessPort(), "/healthz/ready")).startsWith("503 not ready: draining");
            assertThat(get("/reviews/during-drain").status()).as("requests still served while draining").isEqualTo(200);
        }
    }

    private static String http(int port, String path) throws Exception {
        try (HttpClient c = HttpClient.newHttpClient()) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        }
    }

    @Test
    void aRenewedCertificateIsPresentedOnNewConnections() throws Exception {
        WorkloadCertificate first = waypoint.certificate();

        waypoint.renewCertificateNow();
        WorkloadCertificate renewed = Await.value("renewed certificate", WAIT, waypoint::certificate,
                c -> !c.leaf().getSerialNumber().equals(first.leaf().getSerialNumber()));
        assertThat(renewed.id()).isEqualTo(first.id());

        // A new node-proxy connection handshakes with the rotated server certificate and is routed as before;
        // upstream the waypoint opens new connections with it as source identity.
        nodeProxy.close();
        SslContext clientTls = TlsContexts.client(clientCert, Clock.systemUTC());
        nodeProxy = HboneClientPool.create(HbonePoolConfig.defaults(), id -> id.equals(CLIENT) ? clientTls : null,
                group, transport, registry);
        assertThat(get("/reviews/after-rotation").status()).isEqualTo(200);
    }

    record Response(int status, String body) {}

    /** One HTTP/1.1 request over a fresh connection into the node-proxy's tunnel to the waypoint. */
    private Response get(String path) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), ((InetSocketAddress) entry.localAddress()).getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: reviews.demo.svc.cluster.local:9080\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String raw = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            if (raw.isEmpty()) {
                return new Response(0, "connection closed without a response");
            }
            int status = Integer.parseInt(raw.substring(9, 12));
            int bodyStart = raw.indexOf("\r\n\r\n");
            return new Response(status, bodyStart < 0 ? "" : raw.substring(bodyStart + 4));
        }
    }

    /** A pod: an HTTP server answering its version, behind an HBONE server presenting the workload identity. */
    private void pod(String ip, int httpPort, int hbonePort, String version, WorkloadCertificate cert) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(ip, httpPort), 64);
        boolean[] flakyServed = {false};
        http.createContext("/", ex -> {
            byte[] body = version.getBytes(StandardCharsets.UTF_8);
            int status = 200;
            synchronized (flakyServed) {
                if (ex.getRequestURI().getPath().equals("/flaky") && !flakyServed[0]) {
                    flakyServed[0] = true;
                    status = 503;
                    flaky503.incrementAndGet();
                }
            }
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        http.setExecutor(httpThreads);
        http.start();
        closing.add(() -> http.stop(0));
        TcpConnector connector = new TcpConnector(transport, Duration.ofSeconds(2));
        HboneServer hbone = HboneServer.create(HboneServerConfig.defaults(),
                ServerCertificates.single(TlsContexts.server(cert, Clock.systemUTC())),
                request -> HboneHandler.fromConnect(connector.connect(request.target(), request.eventLoop())),
                group, transport, registry);
        hbone.bind(new InetSocketAddress(ip, hbonePort)).join();
        closing.add(hbone::close);
    }

    /** A plain TCP port whose connections the "node-proxy" tunnels over HBONE to the waypoint for the VIP. */
    private Channel entryTo(SpiffeId waypointId) {
        return ChannelTuning.server(new ServerBootstrap()).group(group).channel(transport.serverSocketChannel())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.pipeline().remove(this);
                                Channel down = ctx.channel();
                                nodeProxy.open(new TunnelRequest(CLIENT, waypointId, waypoint.proxy().address(), VIP,
                                                (InetSocketAddress) down.remoteAddress(), "k8s.namespace.name=demo", null))
                                        .whenComplete((stream, failure) -> {
                                            if (failure != null) {
                                                down.close();
                                            } else {
                                                Relay.start(down, stream);
                                            }
                                        });
                            }
                        });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    /** Two ports free on both pod addresses (HTTP and HBONE share a port number across pods, as in a cluster). */
    private static int[] twoPortsFreeOnBothPods() throws IOException {
        int[] out = new int[2];
        for (int i = 0; i < 2; i++) {
            for (int attempt = 0; ; attempt++) {
                try (ServerSocket a = new ServerSocket(0, 1, InetAddress.getByName(POD_V1));
                        ServerSocket b = new ServerSocket(a.getLocalPort(), 1, InetAddress.getByName(POD_V2))) {
                    out[i] = b.getLocalPort();
                    break;
                } catch (IOException e) {
                    if (attempt == 20) {
                        throw e;
                    }
                }
            }
        }
        return out;
    }
}
