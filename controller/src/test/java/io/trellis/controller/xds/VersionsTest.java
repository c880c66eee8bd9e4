package io.trellis.controller.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.trellis.api.workload.v1.Service;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionsTest {

    private static final String T = TypeUrls.SERVICE;

    private static ResourceSnapshot snapshot(ResourceSnapshot previous, String... names) {
        Map<String, Message> services = new HashMap<>();
        for (String n : names) {
            services.put(n, Service.newBuilder().setName(n).build());
        }
        return previous.next(Map.of(T, services), 0);
    }

    @Test
    void snapshotBackedVersionsNeedNoCopy() {
        ResourceSnapshot s1 = snapshot(ResourceSnapshot.empty(), "a", "b");
        Versions v = Versions.exactly(T, s1);

        assertThat(v.isExactly(s1)).isTrue();
        assertThat(v.names()).containsExactlyInAnyOrder("a", "b");
        assertThat(v.version("a")).isEqualTo(s1.resources(T).get("a").version());
        assertThat(v.version("zzz")).isNull();
        assertThat(Versions.differences(v, Versions.exactly(T, s1))).isZero();
    }

    @Test
    void overlayAppliesResponsesOnTop() {
        ResourceSnapshot s1 = snapshot(ResourceSnapshot.empty(), "a", "b");
        DeltaDiscoveryResponse r = DeltaDiscoveryResponse.newBuilder()
                .addResources(Resource.newBuilder().setName("c").setVersion("v-c"))
                .addRemovedResources("a").build();

        Versions v = Versions.exactly(T, s1).plus(r);

        assertThat(v.names()).containsExactlyInAnyOrder("b", "c");
        assertThat(v.version("c")).isEqualTo("v-c");
        assertThat(v.version("a")).isNull();
        assertThat(Versions.differences(v, Versions.exactly(T, s1))).isEqualTo(2);
        assertThat(v.restrictTo(n -> n.equals("c")).names()).containsExactly("c");
    }

    @Test
    void ackAfterNackMixesVersions() {
        ResourceSnapshot s1 = snapshot(ResourceSnapshot.empty(), "a");
        ResourceSnapshot s2 = snapshot(s1, "a", "b");
        ResourceSnapshot s3 = snapshot(s2, "a", "b", "c");
        TypeState state = new TypeState(T);
        state.acked = Versions.exactly(T, s1);
        TypeState.Pending rejected = new TypeState.Pending(s2.deltaResponse(T), Versions.exactly(T, s1),
                Versions.exactly(T, s2), 0);
        TypeState.Pending accepted = new TypeState.Pending(s3.deltaResponse(T), Versions.exactly(T, s2),
                Versions.exactly(T, s3), 0);

        // s2 (adding b) was NACKed, s3 (adding c) ACKed: the proxy has a and c, not b
        state.ack(accepted);

        assertThat(state.acked.names()).containsExactlyInAnyOrder("a", "c");
        state.sent = Versions.exactly(T, s3);
        assertThat(state.pendingResources()).isEqualTo(1);
        assertThat(rejected.response().getResourcesList()).extracting(Resource::getName).containsExactly("b");
    }

    @Test
    void ackInStepMovesToTheSharedSnapshot() {
        ResourceSnapshot s1 = snapshot(ResourceSnapshot.empty(), "a");
        ResourceSnapshot s2 = snapshot(s1, "a", "b");
        TypeState state = new TypeState(T);
        Versions before = Versions.exactly(T, s1);
        Versions after = Versions.exactly(T, s2);
        state.acked = before;

        state.ack(new TypeState.Pending(s2.deltaResponse(T), before, after, 0));

        assertThat(state.acked).isSameAs(after);
    }
}
