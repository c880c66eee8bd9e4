package io.trellis.waypoint.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.trellis.api.workload.v1.ListProxiesRequest;
import io.trellis.api.workload.v1.ProxyStatus;
import io.trellis.api.workload.v1.ProxyStatusServiceGrpc;
import io.trellis.controller.Controller;
import io.trellis.controller.ControllerSettings;
import io.trellis.controller.model.MeshSettings;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import io.trellis.proxy.core.controller.ControllerChannels;
import io.trellis.proxy.core.transport.Transport;
import io.trellis.proxy.core.transport.Transports;
import io.trellis.testkit.Await;
import io.trellis.waypoint.MeshWaypoint;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The waypoint reaching a real in-process controller on its TLS port: certificate and xDS config arrive over TLS
 * with the controller verified by its SPIFFE id (the refusals of a wrong id or root are proxy-core's
 * {@code ControllerChannelsTest}).
 */
class ControllerTlsTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String WAYPOINT_TOKEN = "waypoint-token-0123456789abcdef";
    private static final SpiffeId WAYPOINT = SpiffeId.parse("spiffe://cluster.local/ns/demo/sa/reviews-waypoint");

    @TempDir
    Path dir;
    private final Transport transport = Transports.choice().transport();
    private final EventLoopGroup group = transport.newEventLoopGroup(1, "wp-tls");
    private Controller controller;

    @BeforeEach
    void start() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        MeshConfigDir.write(config, "127.0.0.2", "127.0.0.3", 9080);
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "waypoint demo/reviews-waypoint " + WAYPOINT_TOKEN + "\n");
        controller = new Controller(new ControllerSettings(config, false, MeshSettings.defaults(), "127.0.0.1", 0, 0,
                0, null, tokens, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofHours(24),
                Duration.ofMillis(200)));
        controller.start();
        Await.until("controller ready", WAIT, controller::ready);
    }

    @AfterEach
    void stop() {
        controller.close();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private Path rootPem() {
        Path pem = dir.resolve("root-cert.pem");
        PemFiles.writeCertificates(pem, controller.roots());
        return pem;
    }

    @Test
    void certificateAndConfigArriveOverTlsFromTheCommandLineOptions() throws Exception {
        ManagedChannel channel = ControllerChannels.fromOptions("127.0.0.1:" + controller.xdsTlsPort(), rootPem(),
                null, "cluster.local", Clock.systemUTC());
        try (MeshWaypoint waypoint = MeshWaypoint.start(new MeshWaypoint.Options("demo", "reviews-waypoint",
                        "reviews-waypoint", "cluster.local", new InetSocketAddress("127.0.0.1", 0), 15008, 64 * 1024,
                        Duration.ofHours(1)), channel, () -> WAYPOINT_TOKEN, group, transport,
                new SimpleMeterRegistry(), WAIT)) {
            Await.until("waypoint config over TLS", WAIT, waypoint::ready);
            assertThat(waypoint.certificate().id()).isEqualTo(WAYPOINT);
            // The controller sees the waypoint's ADS stream, with the ACKed listeners, routes, clusters and endpoints.
            Await.until("the controller lists the waypoint", WAIT, () -> ProxyStatusServiceGrpc.newBlockingStub(channel)
                    .listProxies(ListProxiesRequest.getDefaultInstance()).getProxiesList().stream()
                    .map(ProxyStatus::getProxyId).anyMatch(id -> id.equals("waypoint~demo~reviews-waypoint")));
        } finally {
            channel.shutdownNow();
        }
    }
}
