package io.trellis.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trellis.identity.SpiffeId;
import io.trellis.proxy.core.hbone.TunnelRequest;
import io.trellis.waypoint.lb.Endpoint;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class UpstreamTargetTest {

    private static final SpiffeId REVIEWS = SpiffeId.of("cluster.local", "shop", "reviews");

    @Test
    void resolvesAddressHboneAddressIdentityAndIdleKeyOncePerEndpoint() {
        Endpoint e = Endpoint.of("10.0.1.7:9080");

        UpstreamTarget t = UpstreamTarget.of(e, REVIEWS, 15008);

        assertThat(t.address()).isEqualTo(new InetSocketAddress("10.0.1.7", 9080));
        assertThat(t.hbone()).isEqualTo(new InetSocketAddress("10.0.1.7", 15008));
        assertThat(t.identityUri()).isEqualTo(REVIEWS.uri());
        assertThat(t.poolKey()).isEqualTo(IdleUpstreams.key("10.0.1.7:9080", REVIEWS.uri()));
        assertThat(UpstreamTarget.of(e, SpiffeId.of("cluster.local", "shop", "reviews"), 15008)).isSameAs(t);
    }

    @Test
    void anotherIdentityOrHbonePortForTheSameEndpointResolvesAgain() {
        Endpoint e = Endpoint.of("[fd00::7]:9080");
        UpstreamTarget first = UpstreamTarget.of(e, REVIEWS, 15008);

        SpiffeId other = SpiffeId.of("cluster.local", "shop", "ratings");
        UpstreamTarget second = UpstreamTarget.of(e, other, 15008);
        UpstreamTarget third = UpstreamTarget.of(e, other, 15009);

        assertThat(first.poolKey()).isEqualTo(IdleUpstreams.key("[fd00::7]:9080", REVIEWS.uri()));
        assertThat(second.identity()).isEqualTo(other);
        assertThat(second.poolKey()).isEqualTo(IdleUpstreams.key("[fd00::7]:9080", other.uri()));
        assertThat(third.hbone()).isEqualTo(new InetSocketAddress("fd00::7", 15009));
    }

    @Test
    void aNonLiteralAddressOrMissingIdentityIsReportedNotThrown() {
        UpstreamTarget named = UpstreamTarget.of(Endpoint.of("reviews:9080"), REVIEWS, 15008);
        UpstreamTarget anonymous = UpstreamTarget.of(Endpoint.of("10.0.1.8:9080"), null, 15008);

        assertThat(named.address()).isNull();
        assertThat(named.hbone()).isNull();
        assertThat(anonymous.address()).isNotNull();
        assertThat(anonymous.identity()).isNull();
        assertThatThrownBy(() -> anonymous.tunnelRequest(REVIEWS, conn(), null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("10.0.1.8:9080");
    }

    @Test
    void theConnectCarriesTheClientAndItsBaggage() {
        UpstreamTarget t = UpstreamTarget.of(Endpoint.of("10.0.1.9:9080"), REVIEWS, 15008);
        SpiffeId waypoint = SpiffeId.of("cluster.local", "shop", "waypoint");

        TunnelRequest r = t.tunnelRequest(waypoint, conn(), "00-abc-def-01");

        assertThat(r.source()).isEqualTo(waypoint);
        assertThat(r.destinationIdentity()).isEqualTo(REVIEWS);
        assertThat(r.hboneAddress()).isEqualTo(new InetSocketAddress("10.0.1.9", 15008));
        assertThat(r.target()).isEqualTo(new InetSocketAddress("10.0.1.9", 9080));
        assertThat(r.forwardedFor()).isEqualTo(new InetSocketAddress("10.0.0.5", 40000));
        assertThat(r.baggage()).isEqualTo("service.name=web");
        assertThat(r.traceparent()).isEqualTo("00-abc-def-01");
    }

    private static ConnectionInfo conn() {
        InetSocketAddress client = new InetSocketAddress("10.0.0.5", 40000);
        return new ConnectionInfo(new InetSocketAddress("10.96.0.10", 9080), SpiffeId.of("cluster.local", "front", "web"),
                new InetSocketAddress("10.0.0.1", 15008), client, "service.name=web");
    }
}
