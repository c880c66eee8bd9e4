package io.trellis.waypoint.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.identity.SpiffeId;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class ConnectionInfoTest {

    private static ConnectionInfo withBaggage(@Nullable String baggage) {
        InetSocketAddress a = new InetSocketAddress("10.0.0.1", 80);
        return new ConnectionInfo(a, SpiffeId.of("cluster.local", "default", "client"), a, a, baggage);
    }

    @Test
    void findsAMemberAnywhereInTheHeaderWithSpacesAndPropertiesTrimmed() {
        ConnectionInfo c = withBaggage("k8s.namespace.name=default, k8s.deployment.name = reviews-v1 ;prop=1,"
                + "service.name=reviews");

        assertThat(c.baggageValue("k8s.deployment.name")).isEqualTo("reviews-v1");
        assertThat(c.baggageValue("k8s.namespace.name")).isEqualTo("default");
        assertThat(c.baggageValue("service.name")).isEqualTo("reviews");
    }

    @Test
    void missingKeysPrefixesAndMalformedMembersGiveNull() {
        ConnectionInfo c = withBaggage("service=x,=novalue,noequals,service.name.extra=y");

        assertThat(c.baggageValue("service.name")).isNull();
        assertThat(c.baggageValue("noequals")).isNull();
        assertThat(c.baggageValue("")).isNull();
        assertThat(withBaggage(null).baggageValue("service.name")).isNull();
        assertThat(withBaggage("").baggageValue("service.name")).isNull();
    }

    @Test
    void anEqualsSignInALaterMemberDoesNotMakeAnEarlierOneMatch() {
        ConnectionInfo c = withBaggage("service.name,k=v");

        assertThat(c.baggageValue("service.name")).isNull();
        assertThat(c.baggageValue("k")).isEqualTo("v");
    }

    @Test
    void theSourcePeerIsBuiltOnceFromDeploymentElseServiceName() {
        ConnectionInfo both = withBaggage("service.name=svc,k8s.deployment.name=deploy");
        ConnectionInfo service = withBaggage("service.name=svc");
        ConnectionInfo none = withBaggage(null);

        assertThat(both.source().workload()).isEqualTo("deploy");
        assertThat(both.source()).isSameAs(both.source());
        assertThat(service.source().workload()).isEqualTo("svc");
        assertThat(none.source().workload()).isEqualTo("unknown");
        assertThat(none.source().principal()).isEqualTo("spiffe://cluster.local/ns/default/sa/client");
        assertThat(none.source().namespace()).isEqualTo("default");
        assertThat(none.source().address()).isEqualTo("10.0.0.1:80");
        assertThat(none.peerUri()).isSameAs(none.peerUri());
    }
}
