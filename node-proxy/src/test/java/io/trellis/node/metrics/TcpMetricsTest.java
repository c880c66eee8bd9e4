package io.trellis.node.metrics;

import static io.trellis.node.state.TestMesh.addr;
import static io.trellis.node.state.TestMesh.id;
import static io.trellis.node.state.TestMesh.service;
import static io.trellis.node.state.TestMesh.workload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.trellis.node.authz.AuthzDecision;
import io.trellis.node.state.ServiceInfo;
import io.trellis.node.state.WorkloadInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TcpMetricsTest {

    private final WorkloadInfo client = workload("demo", "client", "client", "10.0.1.1");
    private final WorkloadInfo reviews = workload("demo", "reviews-v1", "reviews", "10.0.2.2");
    private final ServiceInfo service = service("demo", "reviews", "10.96.0.10", 9080, 9080, null);

    private ConnectionLabels labels(ResponseFlag flag) {
        return ConnectionLabels.of(Reporter.DESTINATION, client, id("demo", "client"), reviews, id("demo", "reviews"),
                service, true, flag);
    }

    @Test
    void exposesIstioNamesAndLabels(@TempDir Path dir) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TcpMetrics metrics = new TcpMetrics(registry);
        ConnectionMeters m = metrics.meters(labels(ResponseFlag.NONE));
        m.opened();
        m.requestBytes(100);
        m.responseBytes(2048);
        m.closed();
        ConnectionMeters denied = metrics.meters(ConnectionLabels.of(Reporter.DESTINATION, null, null, reviews, null,
                null, false, ResponseFlag.AUTHORIZATION_DENIED));
        denied.opened();
        denied.closed();
        m.opened();
        m.closed(ResponseFlag.UPSTREAM_TERMINATION);

        String text = registry.scrape();
        String line = text.lines().filter(l -> l.startsWith("istio_tcp_sent_bytes_total{")).findFirst().orElseThrow();
        assertThat(line).contains("reporter=\"destination\"", "source_workload=\"client\"",
                "source_workload_namespace=\"demo\"", "source_principal=\"spiffe://cluster.local/ns/demo/sa/client\"",
                "destination_workload=\"reviews-v1\"", "destination_workload_namespace=\"demo\"",
                "destination_principal=\"spiffe://cluster.local/ns/demo/sa/reviews\"",
                "destination_service=\"reviews.demo.svc.cluster.local\"", "destination_service_name=\"reviews\"",
                "connection_security_policy=\"mutual_tls\"", "response_flags=\"-\"", "request_protocol=\"tcp\"");
        assertThat(line).endsWith(" 2048.0");
        assertThat(text).contains("# TYPE istio_tcp_connections_opened_total counter",
                "# TYPE istio_tcp_connections_closed_total counter", "# TYPE istio_tcp_received_bytes_total counter");
        assertThat(text.lines().filter(l -> l.startsWith("istio_tcp_connections_closed_total{")
                && l.contains("response_flags=\"UC\"")).findFirst()).hasValueSatisfying(l -> assertThat(l)
                .endsWith(" 1.0"));
        assertThat(text.lines().filter(l -> l.startsWith("istio_tcp_connections_opened_total{")
                && l.contains("response_flags=\"DENY\"") && l.contains("source_workload=\"unknown\"")
                && l.contains("connection_security_policy=\"none\"")).count()).isEqualTo(1);

        Path file = Files.writeString(dir.resolve("metrics.txt"), text);
        assumeTrue(promtoolInstalled(), "promtool is not installed (Debian package 'prometheus')");
        Process p = new ProcessBuilder("promtool", "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    void metersAreCachedPerLabelSet() {
        TcpMetrics metrics = new TcpMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        ConnectionMeters a = metrics.meters(labels(ResponseFlag.NONE));
        assertThat(metrics.meters(labels(ResponseFlag.NONE))).isSameAs(a);
        assertThat(metrics.meters(labels(ResponseFlag.UPSTREAM_CONNECT_FAILURE))).isNotSameAs(a);
        assertThat(metrics.labelSets()).isEqualTo(2);
    }

    @Test
    void accessLogWritesOneJsonLinePerConnection() throws Exception {
        List<String> lines = new ArrayList<>();
        new AccessLog(lines::add).log(new AccessRecord(Instant.parse("2026-01-02T03:04:05Z"), Duration.ofMillis(1500),
                labels(ResponseFlag.AUTHORIZATION_DENIED), addr("10.0.1.1", 40000), addr("10.0.2.2", 9080), null,
                12, 0, new AuthzDecision(false, AuthzDecision.Reason.DENIED_BY_POLICY, "demo/deny-client"),
                "denied by demo/deny-client"));
        assertThat(lines).hasSize(1);
        String line = lines.getFirst();
        assertThat(line).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("start_time").asText()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(json.get("duration_ms").asLong()).isEqualTo(1500);
        assertThat(json.get("client_address").asText()).isEqualTo("10.0.1.1:40000");
        assertThat(json.get("upstream_address").isNull()).isTrue();
        assertThat(json.get("source_principal").asText()).isEqualTo("spiffe://cluster.local/ns/demo/sa/client");
        assertThat(json.get("bytes_received").asLong()).isEqualTo(12);
        assertThat(json.get("response_flags").asText()).isEqualTo("DENY");
        assertThat(json.get("authz").asText()).isEqualTo("deny");
        assertThat(json.get("authz_reason").asText()).isEqualTo("denied_by_policy");
        assertThat(json.get("authz_policy").asText()).isEqualTo("demo/deny-client");
        assertThat(json.get("error").asText()).isEqualTo("denied by demo/deny-client");
        assertThat(fieldNames(json)).containsExactly("start_time", "duration_ms", "reporter", "protocol",
                "client_address", "destination_address", "upstream_address", "source_workload", "source_namespace",
                "source_principal", "destination_workload", "destination_namespace", "destination_principal",
                "destination_service", "connection_security_policy", "bytes_received", "bytes_sent", "response_flags",
                "authz", "authz_reason", "authz_policy", "error");
    }

    @Test
    void accessLogEscapesAndFormatsAddressesAndMilliseconds() throws Exception {
        String line = AccessLog.format(new AccessRecord(Instant.parse("2026-01-02T03:04:05.123456789Z"), Duration.ZERO,
                labels(ResponseFlag.NONE), addr("fd00::1", 1), addr("fd00::2", 2), addr("fd00::2", 15008), 0, 0, null,
                "a \"quoted\"\terror\u0001 caf\u00e9"));
        assertThat(line).contains("\"client_address\":\"[fd00:0:0:0:0:0:0:1]:1\"",
                "\"upstream_address\":\"[fd00:0:0:0:0:0:0:2]:15008\"",
                "\"start_time\":\"2026-01-02T03:04:05.123Z\"");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("error").asText()).isEqualTo("a \"quoted\"\terror\u0001 caf\u00e9");
        assertThat(json.has("authz")).as("no authz members for an outbound connection").isFalse();
    }

    private static List<String> fieldNames(JsonNode json) {
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static boolean promtoolInstalled() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "promtool"))) {
                return true;
            }
        }
        return false;
    }
}
