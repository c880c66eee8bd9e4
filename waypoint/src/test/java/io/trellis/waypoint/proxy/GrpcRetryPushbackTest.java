package io.trellis.waypoint.proxy;

import static io.trellis.waypoint.proxy.WaypointFixture.GRPC_VIP;
import static io.trellis.waypoint.proxy.WaypointFixture.config;
import static io.trellis.waypoint.proxy.WaypointFixture.edsCluster;
import static io.trellis.waypoint.proxy.WaypointFixture.endpoints;
import static io.trellis.waypoint.proxy.WaypointFixture.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Interop: a grpc-java client with its own retry policy (4 attempts on UNAVAILABLE) honours the
 * {@code grpc-retry-pushback-ms: -1} a waypoint sets when it gave up retrying, so the client does not
 * multiply the waypoint's retries; behind a route that does not retry, the client's retries run as usual.
 */
class GrpcRetryPushbackTest {

    static final MethodDescriptor<byte[], byte[]> RETRIED = GrpcPathTest.method("Retried");
    static final MethodDescriptor<byte[], byte[]> BARE = GrpcPathTest.method("Bare");
    static final AtomicInteger retriedCalls = new AtomicInteger();
    static final AtomicInteger bareCalls = new AtomicInteger();

    static WaypointFixture fx;
    static Server server;
    static ManagedChannel channel;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new WaypointFixture();
        ServerServiceDefinition def = ServerServiceDefinition.builder("test.Echo")
                .addMethod(RETRIED, ServerCalls.asyncUnaryCall((req, obs) -> {
                    retriedCalls.incrementAndGet();
                    obs.onError(Status.UNAVAILABLE.withDescription("down").asRuntimeException());
                }))
                .addMethod(BARE, ServerCalls.asyncUnaryCall((req, obs) -> {
                    bareCalls.incrementAndGet();
                    obs.onError(Status.UNAVAILABLE.withDescription("down").asRuntimeException());
                }))
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(def).build().start();
        String routes = """
                {"name": "echo", "virtual_hosts": [{"name": "echo", "domains": ["*"], "routes": [
                  {"name": "retried", "match": {"prefix": "/test.Echo/Retried"},
                   "route": {"cluster": "down", "retry_policy": {"retry_on": "unavailable", "num_retries": 1,
                             "retry_back_off": {"base_interval": "0.001s"}}}},
                  {"name": "bare", "match": {"prefix": "/"}, "route": {"cluster": "down"}}]}]}""";
        fx.apply(config(List.of(service("echo.back.svc.cluster.local", GRPC_VIP, "grpc", "echo")), List.of(routes),
                List.of(edsCluster("down", "")),
                List.of(endpoints("down", new InetSocketAddress("127.0.0.1", server.getPort()))), List.of("down")),
                List.of());
        // The client's own retry policy, as a service owner would configure it.
        Map<String, ?> retryPolicy = Map.of("maxAttempts", 4.0, "initialBackoff", "0.01s", "maxBackoff", "0.05s",
                "backoffMultiplier", 2.0, "retryableStatusCodes", List.of("UNAVAILABLE"));
        Map<String, ?> serviceConfig = Map.of("methodConfig", List.of(Map.of(
                "name", List.of(Map.of("service", "test.Echo")), "retryPolicy", retryPolicy)));
        channel = NettyChannelBuilder.forAddress(fx.entry(GRPC_VIP)).usePlaintext()
                .defaultServiceConfig(serviceConfig).enableRetry().build();
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        fx.close();
    }

    static void callFails(MethodDescriptor<byte[], byte[]> m) {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, m,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[] {1}))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void theClientDoesNotRetryWhatTheWaypointGaveUpOn() {
        callFails(RETRIED);
        // The waypoint's attempt and its one retry; the client's 4 attempts would have made it 8.
        assertThat(retriedCalls.get()).isEqualTo(2);
    }

    @Test
    void withoutAWaypointRetryTheClientRetriesAsConfigured() {
        callFails(BARE);
        assertThat(bareCalls.get()).isEqualTo(4);
    }
}
