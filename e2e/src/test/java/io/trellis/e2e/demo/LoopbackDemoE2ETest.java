package io.trellis.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trellis.e2e.MeshLab;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code ./trellis demo --loopback --json}: the variant a user without root gets, end to end and non-interactively
 * (it needs no root, so it runs everywhere curl and python3 do; as root {@code --loopback} forces it). The summary
 * on the last line says {@code mode: loopback}, names what was skipped, and shows identities, mTLS at the HBONE
 * listener, the 90/10 split through the waypoint, the retry, the denial and metrics.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LoopbackDemoE2ETest {

    @Test
    void loopbackDemoShowsTheMeshWithoutRoot() throws Exception {
        for (String tool : List.of("curl", "python3")) {
            Assumptions.assumeTrue(MeshLab.onPath(tool), tool + " is not installed");
        }
        StringWriter text = new StringWriter();
        int exit = new CommandLine(new DemoCli()).setOut(new PrintWriter(text, true))
                .execute("--loopback", "--json", "--prefix", "trdemo-lbtest", "--requests", "100");
        String[] lines = text.toString().strip().split("\n");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        Map<String, JsonNode> steps = new LinkedHashMap<>();
        summary.path("steps").forEach(s -> steps.put(s.path("id").asText(), s));

        assertThat(text.toString()).startsWith("Trellis demo, loopback variant");
        assertThat(exit).as(text.toString()).isZero();
        assertThat(summary.path("mode").asText()).isEqualTo("loopback");
        assertThat(summary.path("ok").asBoolean()).isTrue();
        for (String skipped : List.of("capture", "netns", "underlay")) {
            assertThat(steps.get(skipped).path("status").asText()).as(skipped).isEqualTo("skipped");
            assertThat(steps.get(skipped).path("detail").asText()).as(skipped).contains("root");
        }
        for (String shown : List.of("identities", "mtls", "canary_split", "retry", "denial", "metrics")) {
            assertThat(steps.get(shown).path("status").asText()).as(shown + ": " + steps.get(shown)).isEqualTo("ok");
        }
        assertThat(steps.get("identities").at("/evidence/node2")).extracting(JsonNode::asText)
                .containsExactly("spiffe://cluster.local/ns/default/sa/reviews");
        JsonNode mtls = steps.get("mtls").path("evidence");
        assertThat(mtls.path("tls_protocol").asText()).isEqualTo("TLSv1.3");
        assertThat(mtls.path("plaintext_rejected").asBoolean()).isTrue();
        assertThat(mtls.path("client_without_certificate_refused").asBoolean()).isTrue();
        assertThat(mtls.path("peer_identity").get(0).asText()).isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
        JsonNode split = steps.get("canary_split").path("evidence");
        assertThat(split.path("v2_percent").asDouble()).isBetween(DemoSteps.SPLIT_V2_PERCENT - DemoSteps.SPLIT_TOLERANCE,
                DemoSteps.SPLIT_V2_PERCENT + DemoSteps.SPLIT_TOLERANCE);
        assertThat(split.path("v1").asInt() + split.path("v2").asInt()).isEqualTo(split.path("requests").asInt());
        assertThat(steps.get("retry").at("/evidence/upstream_attempts").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(steps.get("denial").at("/evidence/waypoint_status").asText()).isEqualTo("403");
        assertThat(steps.get("denial").at("/evidence/deny_connections_counted").asLong()).isPositive();
    }
}
