package io.trellis.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrometheusTest {

    private static final Prometheus EXPOSITION = new Prometheus("""
            # HELP istio_tcp_connections_closed_total closed
            # TYPE istio_tcp_connections_closed_total counter
            istio_tcp_connections_closed_total{reporter="destination",response_flags="DENY",source_workload="blocked"} 2.0
            istio_tcp_connections_closed_total{reporter="destination",response_flags="-",source_workload="client"} 103.0
            istio_tcp_connections_closed_total_extra{reporter="destination",response_flags="DENY"} 7.0
            trellis_node_connections_total{path="outbound"} 5.0
            """);

    @Test
    void selectsByMetricNameAndEveryLabel() {
        List<String> deny = EXPOSITION.withLabels("istio_tcp_connections_closed_total", "response_flags=\"DENY\"");
        assertThat(deny).hasSize(1).allMatch(l -> l.contains("blocked"));
        assertThat(Prometheus.sum(deny)).isEqualTo(2.0);
        assertThat(EXPOSITION.withLabels("istio_tcp_connections_closed_total", "reporter=\"destination\"")).hasSize(2);
    }

    @Test
    void prefixSelectionAndSumSkipMalformedSamples() {
        assertThat(EXPOSITION.lines("istio_")).hasSize(3);
        assertThat(Prometheus.sum(List.of("a 1.5", "b not-a-number", "c 2"))).isEqualTo(3.5);
    }
}
