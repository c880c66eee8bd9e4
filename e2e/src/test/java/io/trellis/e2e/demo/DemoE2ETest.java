package io.trellis.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trellis.e2e.MeshLab;
import io.trellis.install.lab.LabManager;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code ./trellis demo --json} end to end, in-process and non-interactive, as root (skipped otherwise):
 * the summary on the last line says mTLS was seen on the wire, the policy denial was seen, and, when the
 * waypoint steps ran, the split is within tolerance and the retry hid the failure.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DemoE2ETest {

    /** Not the demo's default prefix: a person's kept demo lab is left alone. */
    private static final String PREFIX = "trdemo-test";

    @AfterAll
    static void noLabLeft() {
        if (MeshLab.missingPrerequisites().isEmpty()) {
            assertThat(LabManager.system().down(PREFIX).nothingRemoved())
                    .as("the demo tore its lab down itself").isTrue();
        }
    }

    @Test
    void demoSummaryShowsTheMeshAtWork() throws Exception {
        List<String> missing = MeshLab.missingPrerequisites();
        Assumptions.assumeTrue(missing.isEmpty(), "the demo's lab needs " + missing);
        Assumptions.assumeTrue(MeshLab.onPath("tshark"), "tshark is not installed");
        StringWriter text = new StringWriter();
        int exit = new CommandLine(new DemoCli()).setOut(new PrintWriter(text, true))
                .execute("--json", "--prefix", PREFIX, "--requests", "100");
        String[] lines = text.toString().strip().split("\n");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        Map<String, JsonNode> steps = new HashMap<>();
        summary.path("steps").forEach(s -> steps.put(s.path("id").asText(), s));
        assertThat(exit).as(text.toString()).isZero();
        assertThat(summary.path("ok").asBoolean()).isTrue();

        JsonNode mtls = steps.get("mtls");
        assertThat(mtls.path("status").asText()).isEqualTo("ok");
        assertThat(mtls.at("/evidence/plaintext_seen").asBoolean()).isFalse();
        assertThat(mtls.at("/evidence/hbone_payload_bytes").asLong()).isPositive();
        assertThat(mtls.at("/evidence/clear_http_frames").asInt()).isZero();

        JsonNode denial = steps.get("denial");
        assertThat(denial.path("status").asText()).isEqualTo("ok");
        assertThat(denial.at("/evidence/denied_client_refused").asBoolean()).isTrue();
        assertThat(denial.at("/evidence/deny_connections_counted").asLong()).isPositive();

        assertThat(steps.get("identities").at("/evidence/node2").toString())
                .contains("spiffe://cluster.local/ns/default/sa/reviews");
        JsonNode balance = steps.get("l4_balancing");
        assertThat(balance.at("/evidence/v1").asInt() + balance.at("/evidence/v2").asInt()).isEqualTo(100);

        JsonNode split = steps.get("canary_split");
        assertThat(split.path("status").asText()).as(split.toString()).isEqualTo("ok");
        int requests = split.at("/evidence/requests").asInt();
        assertThat(split.at("/evidence/v1").asInt() + split.at("/evidence/v2").asInt()).isEqualTo(requests);
        assertThat(split.at("/evidence/waypoint_requests_200").asInt()).isEqualTo(requests);
        assertThat(split.at("/evidence/v2_percent").asDouble()).isBetween(5.0, 15.0);

        JsonNode retry = steps.get("retry");
        assertThat(retry.path("status").asText()).as(retry.toString()).isEqualTo("ok");
        assertThat(retry.at("/evidence/client_status").asText()).isEqualTo("200");
        assertThat(retry.at("/evidence/backend_503").asInt()).isEqualTo(1);
        assertThat(retry.at("/evidence/retries").asInt()).isPositive();
        assertThat(retry.at("/evidence/waypoint_response_code").asInt()).isEqualTo(200);

        assertThat(denial.at("/evidence/waypoint_status").asText()).isEqualTo("403");
    }
}
