package io.trellis.waypoint.proxy;

import static io.trellis.waypoint.proxy.WaypointFixture.BACKEND;
import static io.trellis.waypoint.proxy.WaypointFixture.HTTP_VIP;
import static io.trellis.waypoint.proxy.WaypointFixture.config;
import static io.trellis.waypoint.proxy.WaypointFixture.edsCluster;
import static io.trellis.waypoint.proxy.WaypointFixture.service;
import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.testkit.Await;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Per-endpoint metadata from EDS: each endpoint is verified against its own identity (not one per
 * cluster), and its workload labels the request's metrics and access-log line.
 */
class EndpointIdentityAndLabelsTest {

    static final String OTHER = "spiffe://cluster.local/ns/back/sa/ratings";

    static WaypointFixture fx;
    static InetSocketAddress entry;
    static InetSocketAddress v1;
    static InetSocketAddress v2;

    @BeforeAll
    static void setUp() {
        fx = new WaypointFixture();
        v1 = fx.backend(ex -> answer(ex, "v1"));
        v2 = fx.backend(ex -> answer(ex, "v2"));
        String routes = """
                {"name": "r", "virtual_hosts": [{"name": "all", "domains": ["*"], "routes": [
                  {"name": "labelled", "match": {"prefix": "/labelled"}, "route": {"cluster": "labelled"}},
                  {"name": "own", "match": {"prefix": "/own"}, "route": {"cluster": "own"}},
                  {"name": "impostor", "match": {"prefix": "/impostor"}, "route": {"cluster": "impostor"}},
                  {"name": "mixed", "match": {"prefix": "/mixed"}, "route": {"cluster": "mixed"}}]}]}""";
        String v1Meta = meta(BACKEND.uri(), "reviews-v1", "back", "reviews", "v1");
        fx.apply(config(List.of(service("reviews.back.svc.cluster.local", HTTP_VIP, "http", "r")), List.of(routes),
                List.of(edsCluster("labelled", ""), edsCluster("own", ""), edsCluster("impostor", ""),
                        edsCluster("mixed", "")),
                List.of(endpoints("labelled", v1, v1Meta),
                        // no cluster-wide identity for "own": the endpoint's own suffices
                        endpoints("own", v2, meta(BACKEND.uri(), "reviews-v2", "back", "reviews", "v2")),
                        // the cluster-wide identity would match, but this endpoint claims to be someone else
                        endpoints("impostor", v2, meta(OTHER, "ratings-v1", "back", "ratings", "v1")),
                        endpoints("mixed", v1, v1Meta, v2, meta(OTHER, "ratings-v1", "back", "ratings", "v1"))),
                List.of("labelled", "impostor", "mixed")), List.of());
        entry = fx.entry(HTTP_VIP);
    }

    @AfterAll
    static void tearDown() {
        fx.close();
    }

    private static void answer(com.sun.net.httpserver.HttpExchange ex, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    static String meta(String identity, String workload, String namespace, String app, String version) {
        return """
                {"filter_metadata": {"trellis": {"identity": "%s", "workload": "%s", "namespace": "%s",
                 "app": "%s", "version": "%s"}}}""".formatted(identity, workload, namespace, app, version);
    }

    /** A load assignment of (address, metadata JSON) pairs. */
    static String endpoints(String cluster, Object... addressAndMeta) {
        StringBuilder lb = new StringBuilder();
        for (int i = 0; i < addressAndMeta.length; i += 2) {
            InetSocketAddress a = (InetSocketAddress) addressAndMeta[i];
            if (!lb.isEmpty()) {
                lb.append(',');
            }
            lb.append("""
                    {"endpoint": {"address": {"socket_address": {"address": "%s", "port_value": %d}}}, "metadata": %s}"""
                    .formatted(a.getAddress().getHostAddress(), a.getPort(), addressAndMeta[i + 1]));
        }
        return """
                {"cluster_name": "%s", "endpoints": [{"lb_endpoints": [%s]}]}""".formatted(cluster, lb);
    }

    private static String accessLogFor(String path) {
        return Await.value("access log of " + path, Duration.ofSeconds(10),
                () -> fx.accessLog.stream().filter(l -> l.contains("\"path\":\"" + path + "\"")).findFirst().orElse(null),
                l -> l != null);
    }

    @Test
    void theEndpointsWorkloadLabelsMetricsAndTheAccessLog() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response r = c.get("/labelled/1");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("v1");
        }
        assertThat(accessLogFor("/labelled/1")).contains("\"destination_workload\":\"reviews-v1\"",
                "\"destination_workload_namespace\":\"back\"", "\"destination_app\":\"reviews\"",
                "\"destination_version\":\"v1\"", "\"upstream_peer_principal\":\"" + BACKEND.uri() + "\"");
        String series = fx.registry.scrape().lines()
                .filter(l -> l.startsWith("istio_requests_total{") && l.contains("destination_workload=\"reviews-v1\""))
                .findFirst().orElseThrow();
        assertThat(series).contains("destination_workload_namespace=\"back\"", "destination_version=\"v1\"",
                "destination_app=\"reviews\"", "destination_canonical_service=\"reviews\"",
                "destination_canonical_revision=\"v1\"", "destination_principal=\"" + BACKEND.uri() + "\"",
                "response_code=\"200\"");
    }

    @Test
    void anEndpointIsVerifiedAgainstItsOwnIdentityWithoutAClusterWideOne() throws Exception {
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response r = c.get("/own/1");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("v2");
        }
        assertThat(accessLogFor("/own/1")).contains("\"destination_workload\":\"reviews-v2\"",
                "\"upstream_peer_principal\":\"" + BACKEND.uri() + "\"");
    }

    @Test
    void anEndpointPresentingAnotherIdentityThanItsOwnIsRefusedWithUf() throws Exception {
        int before = fx.nodeProxyRequests.size();
        try (RawHttp c = new RawHttp(entry)) {
            RawHttp.Response r = c.get("/impostor/1");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.text()).contains("upstream_identity_mismatch").contains(OTHER).contains(BACKEND.uri());
        }
        assertThat(accessLogFor("/impostor/1")).contains("\"response_code\":503", "\"response_flags\":\"UF\"",
                "\"response_code_details\":\"upstream_identity_mismatch: ");
        assertThat(fx.nodeProxyRequests.size()).as("no CONNECT reached the endpoint with the wrong certificate")
                .isEqualTo(before);
    }

    @Test
    void aWrongIdentityAtOneEndpointLeavesItsNeighbourServing() throws Exception {
        int ok = 0;
        int refused = 0;
        for (int i = 0; i < 8; i++) {
            try (RawHttp c = new RawHttp(entry)) {
                RawHttp.Response r = c.get("/mixed/" + i);
                if (r.status() == 200) {
                    assertThat(r.text()).as("only the endpoint whose identity checks out answers").isEqualTo("v1");
                    ok++;
                } else {
                    assertThat(r.status()).isEqualTo(503);
                    refused++;
                }
            }
        }
        assertThat(ok).isPositive();
        assertThat(refused).isPositive();
    }
}
