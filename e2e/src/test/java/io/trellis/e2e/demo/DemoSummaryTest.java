package io.trellis.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoSummaryTest {

    @Test
    void jsonCarriesEveryStepWithStatusAndEvidenceAndOkOnlyWithoutFailures() throws Exception {
        DemoSummary summary = new DemoSummary("lab");
        summary.add(new DemoSummary.Step("mtls", "mTLS", DemoSummary.Status.ok, "only TLS",
                Map.of("hbone_payload_bytes", 5959L)));
        summary.add(new DemoSummary.Step("retry", "retry", DemoSummary.Status.skipped, "no waypoint", Map.of()));
        JsonNode json = new ObjectMapper().readTree(summary.toJson());
        assertThat(json.path("ok").asBoolean()).isTrue();
        assertThat(json.path("steps")).hasSize(2);
        assertThat(json.at("/steps/0/evidence/hbone_payload_bytes").asLong()).isEqualTo(5959L);
        assertThat(json.at("/steps/1/status").asText()).isEqualTo("skipped");
        assertThat(summary.toJson()).doesNotContain("\n");

        summary.add(new DemoSummary.Step("denial", "denial", DemoSummary.Status.failed, "served", Map.of()));
        assertThat(new ObjectMapper().readTree(summary.toJson()).path("ok").asBoolean()).isFalse();
    }

    @Test
    void shippedPolicyDeniesTheBlockedAccountToReviews() {
        String yaml = DemoTopology.resource("demo/" + DemoTopology.DENY_POLICY);
        assertThat(yaml).contains("kind: AuthorizationPolicy", "action: DENY", "app: reviews",
                "cluster.local/ns/default/sa/blocked");
    }
}
