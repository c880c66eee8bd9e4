package io.trellis.install.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The shipped dashboard is valid JSON, laid out without overlaps, and queries only metrics Trellis exports. */
class GrafanaDashboardTest {

    /** Names from the node-proxy's TcpMetrics, the waypoint's telemetry and the controller README. */
    private static final Set<String> EXPORTED = Set.of("istio_requests_total", "istio_request_duration_milliseconds",
            "istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total", "istio_tcp_sent_bytes_total",
            "istio_tcp_received_bytes_total", "trellis_xds_connected_proxies", "trellis_xds_pushes_total",
            "trellis_xds_nacks_total", "trellis_ca_certificates_issued_total", "trellis_ca_denials_total");
    private static final Pattern METRIC = Pattern.compile("\\b(istio_[a-z_]+|trellis_[a-z_]+)");

    @Test
    void panelsQueryExportedMetricsAndDoNotOverlap() throws Exception {
        JsonNode dash = new ObjectMapper().readTree(Path.of("kubernetes", "grafana", "trellis-dashboard.json").toFile());
        assertThat(dash.get("uid").asText()).isEqualTo("trellis-mesh");
        Set<Integer> ids = new HashSet<>();
        Set<String> cells = new HashSet<>();
        int queries = 0;
        for (JsonNode p : dash.get("panels")) {
            assertThat(ids.add(p.get("id").asInt())).as("unique panel id " + p.get("id")).isTrue();
            JsonNode g = p.get("gridPos");
            for (int x = g.get("x").asInt(); x < g.get("x").asInt() + g.get("w").asInt(); x++) {
                for (int y = g.get("y").asInt(); y < g.get("y").asInt() + g.get("h").asInt(); y++) {
                    assertThat(cells.add(x + "," + y)).as(p.get("title").asText() + " overlaps at " + x + "," + y)
                            .isTrue();
                }
            }
            for (JsonNode t : p.path("targets")) {
                Matcher m = METRIC.matcher(t.get("expr").asText());
                List<String> names = m.results().map(r -> r.group(1).replaceAll("_(sum|count|bucket)$", "")).toList();
                assertThat(names).as(t.get("expr").asText()).isNotEmpty();
                assertThat(EXPORTED).as(t.get("expr").asText()).containsAll(names);
                queries++;
            }
        }
        assertThat(queries).isGreaterThanOrEqualTo(10);
    }
}
