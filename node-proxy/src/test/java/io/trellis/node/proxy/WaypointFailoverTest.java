package io.trellis.node.proxy;

import static io.trellis.node.state.TestMesh.addr;
import static io.trellis.node.state.TestMesh.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.trellis.proxy.core.TunnelException;
import io.trellis.proxy.core.hbone.TunnelRequest;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which tunnel failures move on to the next waypoint replica, and that the request is otherwise unchanged. */
class WaypointFailoverTest {

    private static final InetSocketAddress A = addr("10.3.0.9", 15008);
    private static final InetSocketAddress B = addr("10.3.0.10", 15008);
    private static final TunnelRequest REQUEST = new TunnelRequest(id("front", "web"), id("back", "back-waypoint"), A,
            addr("10.96.0.20", 5432), addr("10.1.0.5", 40000), "k8s.pod.name=web-1", null);

    private final List<TunnelRequest> attempts = new ArrayList<>();
    private final EmbeddedChannel stream = new EmbeddedChannel();
    private final java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private final EndpointHealth health = new EndpointHealth(registry, now::get);

    @AfterEach
    void close() {
        stream.finishAndReleaseAll();
    }

    private CompletableFuture<Channel> open(Map<InetSocketAddress, Supplier<CompletableFuture<Channel>>> byAddress) {
        return WaypointFailover.open(r -> {
            attempts.add(r);
            return byAddress.get(r.hboneAddress()).get();
        }, REQUEST, List.of(B), health);
    }

    @Test
    void aRefusedConnectMovesOnToTheNextReplica() {
        CompletableFuture<Channel> opened = open(Map.of(
                A, () -> CompletableFuture.failedFuture(new TunnelException.ConnectFailed(A, "connection refused", null)),
                B, () -> CompletableFuture.completedFuture(stream)));
        assertThat(opened).isCompletedWithValue(stream);
        assertThat(attempts).extracting(TunnelRequest::hboneAddress).containsExactly(A, B);
        TunnelRequest second = attempts.get(1);
        assertThat(second.target()).isEqualTo(REQUEST.target());
        assertThat(second.destinationIdentity()).isEqualTo(REQUEST.destinationIdentity());
        assertThat(second.forwardedFor()).isEqualTo(REQUEST.forwardedFor());
        assertThat(second.baggage()).isEqualTo(REQUEST.baggage());
    }

    @Test
    void aConnectionThatDiedOrAResetStreamAlsoMovesOn() {
        for (TunnelException e : List.of(new TunnelException.Closed("connection closed"),
                new TunnelException.StreamReset("RST_STREAM(REFUSED_STREAM)", null))) {
            attempts.clear();
            CompletableFuture<Channel> opened = open(Map.of(A, () -> CompletableFuture.failedFuture(e),
                    B, () -> CompletableFuture.completedFuture(stream)));
            assertThat(opened).as(e.getMessage()).isCompletedWithValue(stream);
        }
    }

    @Test
    void aReplicaThatNeverAnsweredIsEjectedAndOneThatAnsweredIsNot() {
        open(Map.of(A, () -> CompletableFuture.failedFuture(new TunnelException.ConnectFailed(A, "refused", null)),
                B, () -> CompletableFuture.completedFuture(stream)));
        assertThat(health.ejected(A)).isTrue();
        assertThat(health.ejected(B)).isFalse();
        assertThat(registry.find("trellis_node_endpoint_ejections_total").tag("kind", "waypoint").counter().count())
                .isEqualTo(1);
        now.addAndGet(5_000_000_001L);
        assertThat(health.ejected(A)).as("restored after its 5 s").isFalse();

        EndpointHealth fresh = new EndpointHealth(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                now::get);
        TunnelException.Rejected denied = new TunnelException.Rejected(403, "denied by policy", "403 from waypoint");
        WaypointFailover.open(r -> CompletableFuture.failedFuture(denied), REQUEST, List.of(B), fresh);
        assertThat(fresh.ejections()).isEmpty();
    }

    @Test
    void anAnswerFromTheWaypointIsFinal() {
        TunnelException.Rejected denied = new TunnelException.Rejected(403, "denied by policy", "403 from waypoint");
        CompletableFuture<Channel> opened = open(Map.of(A, () -> CompletableFuture.failedFuture(denied),
                B, () -> CompletableFuture.completedFuture(stream)));
        assertThat(opened).isCompletedExceptionally();
        assertThat(opened.exceptionNow()).isSameAs(denied);
        assertThat(attempts).hasSize(1);
    }

    @Test
    void theWrongIdentityIsNeverRetriedElsewhere() {
        TunnelException.PeerIdentityMismatch wrong = new TunnelException.PeerIdentityMismatch("presented sa/other");
        CompletableFuture<Channel> opened = open(Map.of(A, () -> CompletableFuture.failedFuture(wrong),
                B, () -> CompletableFuture.completedFuture(stream)));
        assertThat(opened.exceptionNow()).isSameAs(wrong);
        assertThat(attempts).hasSize(1);
    }

    @Test
    void whenEveryReplicaFailsTheLastFailureIsReported() {
        TunnelException.ConnectFailed last = new TunnelException.ConnectFailed(B, "connection refused", null);
        CompletableFuture<Channel> opened = open(Map.of(
                A, () -> CompletableFuture.failedFuture(new TunnelException.ConnectFailed(A, "refused", null)),
                B, () -> CompletableFuture.failedFuture(last)));
        assertThat(opened.exceptionNow()).isSameAs(last);
        assertThat(attempts).hasSize(2);
    }
}
