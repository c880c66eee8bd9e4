package io.trellis.node.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trellis.api.workload.v1.ListProxiesRequest;
import io.trellis.api.workload.v1.ProxyStatusServiceGrpc;
import io.trellis.controller.Controller;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.TrustBundle;
import io.trellis.node.state.MeshStore;
import io.trellis.node.testing.LocalController;
import io.trellis.testkit.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller's TLS port, verified by SPIFFE id; a wrong identity or bundle is refused. */
class ControllerChannelsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final SpiffeId CONTROLLER =
            SpiffeId.parse("spiffe://cluster.local/ns/trellis-system/sa/trellis-controller");

    @TempDir
    Path dir;

    @Test
    void tlsChannelVerifiesTheControllerIdentity() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("ns.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata: {name: demo, labels: {trellis.io/dataplane-mode: ambient}}
                """);
        Controller controller = new Controller(LocalController.settings(config, 0, null));
        controller.start();
        TrustBundle bundle = new TrustBundle("cluster.local", controller.roots());
        ManagedChannel good = ControllerChannels.tls("127.0.0.1", controller.xdsTlsPort(), bundle, CONTROLLER,
                Clock.systemUTC());
        ManagedChannel wrongId = ControllerChannels.tls("127.0.0.1", controller.xdsTlsPort(), bundle,
                SpiffeId.parse("spiffe://cluster.local/ns/trellis-system/sa/impostor"), Clock.systemUTC());
        TrustBundle otherRoots = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1),
                Clock.systemUTC()).trustBundle();
        ManagedChannel wrongCa = ControllerChannels.tls("127.0.0.1", controller.xdsTlsPort(), otherRoots, CONTROLLER,
                Clock.systemUTC());
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
        MeshStore store = new MeshStore();
        WorkloadXdsClient client = new WorkloadXdsClient(good, XdsClientConfig.defaults("node-a"), store, executor,
                Clock.systemUTC(), new Random(), new SimpleMeterRegistry());
        try {
            client.start();
            Await.until("synced over TLS", WAIT, () -> client.status().synced());
            for (ManagedChannel bad : new ManagedChannel[] {wrongId, wrongCa}) {
                try {
                    ProxyStatusServiceGrpc.newBlockingStub(bad).listProxies(ListProxiesRequest.getDefaultInstance());
                    throw new AssertionError("a controller with an unexpected identity or CA was trusted");
                } catch (StatusRuntimeException e) {
                    assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
                }
            }
        } finally {
            client.close();
            executor.shutdown();
            good.shutdownNow();
            wrongId.shutdownNow();
            wrongCa.shutdownNow();
            controller.close();
        }
    }

    @Test
    void backoffDoublesToItsCap() {
        XdsClientConfig c = new XdsClientConfig("n", Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);
        assertThat(c.backoff(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(c.backoff(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.backoff(5)).isEqualTo(Duration.ofSeconds(16));
        assertThat(c.backoff(6)).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.backoff(60)).isEqualTo(Duration.ofSeconds(30));
    }
}
