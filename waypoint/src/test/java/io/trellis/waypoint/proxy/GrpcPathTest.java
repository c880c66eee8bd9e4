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
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.trellis.testkit.Await;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * gRPC (HTTP/2 both ways) through the waypoint: trailers and grpc-status, a weighted split, a retry
 * on UNAVAILABLE (gRPC calls are POSTs; a listed gRPC code is retried without listing the method).
 */
class GrpcPathTest {

    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    static final MethodDescriptor<byte[], byte[]> SAY = method("Say");
    static final MethodDescriptor<byte[], byte[]> FAIL = method("Fail");
    static final MethodDescriptor<byte[], byte[]> FLAKY = method("Flaky");
    static final Metadata.Key<String> BACKEND = Metadata.Key.of("x-backend", Metadata.ASCII_STRING_MARSHALLER);

    static WaypointFixture fx;
    static ManagedChannel channel;
    static final List<Server> servers = new ArrayList<>();
    static final AtomicInteger unavailableCalls = new AtomicInteger();

    static MethodDescriptor<byte[], byte[]> method(String name) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("test.Echo/" + name).setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    /** A gRPC server on loopback; {@code healthy=false} answers every call UNAVAILABLE. */
    static InetSocketAddress server(String name, boolean healthy) throws IOException {
        ServerServiceDefinition def = ServerServiceDefinition.builder("test.Echo")
                .addMethod(SAY, ServerCalls.asyncUnaryCall((req, obs) -> {
                    if (!healthy) {
                        unavailableCalls.incrementAndGet();
                        obs.onError(Status.UNAVAILABLE.withDescription(name + " is down").asRuntimeException());
                        return;
                    }
                    obs.onNext((name + ":" + new String(req, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
                    obs.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((req, obs) -> {
                    Metadata trailers = new Metadata();
                    trailers.put(BACKEND, name);
                    obs.onError(Status.NOT_FOUND.withDescription("no such thing").asRuntimeException(trailers));
                }))
                .addMethod(FLAKY, ServerCalls.asyncUnaryCall((req, obs) -> {
                    if (!healthy) {
                        unavailableCalls.incrementAndGet();
                        obs.onError(Status.UNAVAILABLE.asRuntimeException());
                    } else {
                        obs.onNext(name.getBytes(StandardCharsets.UTF_8));
                        obs.onCompleted();
                    }
                }))
                .build();
        Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(def).build().start();
        servers.add(s);
        return new InetSocketAddress("127.0.0.1", s.getPort());
    }

    @BeforeAll
    static void setUp() throws IOException {
        fx = new WaypointFixture();
        InetSocketAddress g1 = server("g1", true);
        InetSocketAddress g2 = server("g2", true);
        InetSocketAddress down = server("down", false);
        String routes = """
                {"name": "echo", "virtual_hosts": [{"name": "echo", "domains": ["*"], "routes": [
                  {"name": "say", "match": {"prefix": "/test.Echo/Say"}, "route": {"weighted_clusters": {"clusters": [
                      {"name": "g1", "weight": 50}, {"name": "g2", "weight": 50}]}}},
                  {"name": "flaky", "match": {"prefix": "/test.Echo/Flaky"},
                   "route": {"cluster": "mixed", "retry_policy": {"retry_on": "unavailable", "num_retries": 2,
                             "retry_back_off": {"base_interval": "0.001s"}}}},
                  {"name": "rest", "match": {"prefix": "/"}, "route": {"cluster": "g1"}}]}]}""";
        fx.apply(config(List.of(service("echo.back.svc.cluster.local", GRPC_VIP, "grpc", "echo")), List.of(routes),
                List.of(edsCluster("g1", ""), edsCluster("g2", ""), edsCluster("mixed", "")),
                List.of(endpoints("g1", g1), endpoints("g2", g2), endpoints("mixed", down, g2)),
                List.of("g1", "g2", "mixed")), List.of());
        InetSocketAddress entry = fx.entry(GRPC_VIP);
        channel = NettyChannelBuilder.forAddress(entry).usePlaintext().build();
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
        fx.close();
    }

    static byte[] call(MethodDescriptor<byte[], byte[]> m, String payload) {
        return ClientCalls.blockingUnaryCall(channel, m, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                payload.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void unaryCallsAreSplitAcrossTwoBackends() {
        int connectsBefore = fx.nodeProxyRequests.size();
        int[] seen = new int[2];
        for (int i = 0; i < 200; i++) {
            String answer = new String(call(SAY, "hi" + i), StandardCharsets.UTF_8);
            assertThat(answer).endsWith(":hi" + i);
            seen[answer.startsWith("g1") ? 0 : 1]++;
        }
        // 50/50 over 200 calls: standard deviation ~7; +-40 is far outside chance.
        assertThat(seen[0]).isBetween(60, 140);
        assertThat(seen[0] + seen[1]).isEqualTo(200);
        assertThat(fx.nodeProxyRequests.size() - connectsBefore)
                .as("calls share one HTTP/2 connection per endpoint and event loop, not a tunnel each")
                .isLessThanOrEqualTo(8);
        String line = Await.value("a gRPC access-log line", Duration.ofSeconds(10),
                () -> fx.accessLog.stream().filter(l -> l.contains("/test.Echo/Say")).findFirst().orElse(null),
                v -> v != null);
        assertThat(line).contains("\"protocol\":\"HTTP/2\"", "\"request_protocol\":\"grpc\"", "\"grpc_status\":0");
    }

    @Test
    void errorStatusAndTrailersPassThrough() {
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        var captured = channel;
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(
                io.grpc.ClientInterceptors.intercept(captured, MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers)),
                FAIL, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[] {1}))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).isEqualTo("no such thing");
                });
        assertThat(trailers.get().get(BACKEND)).isEqualTo("g1");
        Await.until("grpc_response_status=5 counted", Duration.ofSeconds(10),
                () -> fx.registry.scrape().contains("grpc_response_status=\"5\""));
    }

    @Test
    void unavailableIsRetriedOnTheOtherEndpoint() {
        int before = unavailableCalls.get();
        for (int i = 0; i < 10; i++) {
            assertThat(new String(call(FLAKY, "x"), StandardCharsets.UTF_8)).isEqualTo("g2");
        }
        assertThat(unavailableCalls.get() - before).as("the failing endpoint was tried and hidden by retries")
                .isGreaterThan(0);
    }
}
