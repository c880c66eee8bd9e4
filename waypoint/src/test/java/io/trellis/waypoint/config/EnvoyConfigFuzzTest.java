package io.trellis.waypoint.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of the waypoint's Envoy config translators: a RouteConfiguration, Cluster or
 * ClusterLoadAssignment parsed from arbitrary bytes is either translated or NACKed with {@link
 * XdsNackException} naming at least one field; no other exception may reach the xDS client. The first input
 * byte picks the resource type, the rest is the message. Seeds: the controller's shapes, in {@code
 * EnvoyConfigFuzzTestInputs/translatesOrNacks/}; {@code route-invalid-regex} is Jazzer's first finding, kept
 * as a regression seed (an invalid regex must be a NACK).
 */
class EnvoyConfigFuzzTest {

    /**
     * Compiling a regex from config is the feature here (Envoy's {@code safe_regex}), and an invalid one is
     * NACKed; Jazzer's regex-injection sanitizer would flag every such input as a finding, so it is off for
     * this target. Regex cost is bounded by the translator's own checks, which this target still exercises.
     */
    @BeforeAll
    static void configRegexesAreTheFeature() {
        System.setProperty("jazzer.disabled_hooks", "com.code_intelligence.jazzer.sanitizers.RegexInjection");
    }

    @FuzzTest(maxDuration = "30s")
    void translatesOrNacks(byte[] input) {
        if (input.length == 0) {
            return;
        }
        byte[] body = Arrays.copyOfRange(input, 1, input.length);
        try {
            switch (Math.floorMod(input[0], 3)) {
                case 0 -> assertThat(RouteConfigTranslator.translate(RouteConfiguration.parseFrom(body))).isNotNull();
                case 1 -> assertThat(ClusterTranslator.translate(Cluster.parseFrom(body))).isNotNull();
                default -> assertThat(EndpointsTranslator.translate(ClusterLoadAssignment.parseFrom(body))).isNotNull();
            }
        } catch (InvalidProtocolBufferException notAMessage) {
            // the gRPC layer rejects these before any translator sees them
        } catch (XdsNackException nack) {
            assertThat(nack.errors()).isNotEmpty();
        }
    }
}
