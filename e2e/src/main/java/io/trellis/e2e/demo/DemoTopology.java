package io.trellis.e2e.demo;

import io.trellis.e2e.MeshLab;
import io.trellis.install.lab.LabSpec;
import io.trellis.install.lab.LabSpec.NodeSpec;
import io.trellis.install.lab.LabSpec.PodSpec;
import io.trellis.install.lab.LabSpec.ServicePort;
import io.trellis.install.lab.LabSpec.ServiceSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The demo's lab: {@code client} and {@code blocked} on node1, {@code reviews-v1} and {@code reviews-v2} on
 * node2 behind Service {@code reviews} (port 80 to 8080, labelled for waypoint {@code reviews-waypoint}) and
 * one Service per version (the route's backends); the waypoint is deployed by the canary step in pod
 * {@code waypoint} on node2 (left out of the mesh; until then reviews is served directly), the controller on
 * node1; the route and policy YAML is shipped under {@code demo/} on the classpath
 * ({@code e2e/src/main/resources/demo/}).
 */
final class DemoTopology {

    static final String CLIENT = "client";
    static final String BLOCKED = "blocked";
    static final List<String> REVIEWS = List.of("reviews-v1", "reviews-v2");
    static final String SERVICE = "reviews";
    static final String WAYPOINT_POD = "waypoint";
    static final MeshLab.Waypoint WAYPOINT = new MeshLab.Waypoint("reviews-waypoint", "default", WAYPOINT_POD);
    static final String APP_SCRIPT = "reviews.py";
    static final int APP_PORT = 8080;
    static final String DENY_POLICY = "deny-blocked.yaml";
    static final String L7_DENY_POLICY = "deny-blocked-l7.yaml";
    static final String ROUTE = "reviews-route.yaml";

    private DemoTopology() {
    }

    static MeshLab.Options options(String prefix) {
        List<ServicePort> http = List.of(new ServicePort("http", 80, APP_PORT));
        LabSpec spec = new LabSpec(prefix,
                List.of(new NodeSpec("node1"), new NodeSpec("node2")),
                List.of(new PodSpec(CLIENT, "default", "client", Map.of("app", "client"), "node1"),
                        new PodSpec(BLOCKED, "default", "blocked", Map.of("app", "blocked"), "node1"),
                        new PodSpec("reviews-v1", "default", "reviews", Map.of("app", "reviews", "version", "v1"), "node2"),
                        new PodSpec("reviews-v2", "default", "reviews", Map.of("app", "reviews", "version", "v2"), "node2"),
                        // the controller takes a waypoint's identity from the pods labelled with its Gateway's name
                        new PodSpec(WAYPOINT_POD, "default", WAYPOINT.gateway(), Map.of(
                                "gateway.networking.k8s.io/gateway-name", WAYPOINT.gateway(),
                                "trellis.io/dataplane-mode", "none"), "node2")),
                List.of(new ServiceSpec(SERVICE, "default", Map.of("app", "reviews"), http,
                                Map.of("trellis.io/use-waypoint", WAYPOINT.gateway())),
                        new ServiceSpec("reviews-v1", "default", Map.of("app", "reviews", "version", "v1"), http, Map.of()),
                        new ServiceSpec("reviews-v2", "default", Map.of("app", "reviews", "version", "v2"), http, Map.of())));
        Map<String, String> config = Map.of(
                DENY_POLICY, resource("demo/" + DENY_POLICY),
                L7_DENY_POLICY, resource("demo/" + L7_DENY_POLICY),
                ROUTE, resource("demo/" + ROUTE));
        return new MeshLab.Options(spec, "node1", Set.of(WAYPOINT_POD), config, List.of(WAYPOINT));
    }

    static String resource(String name) {
        try (InputStream in = DemoTopology.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the e2e jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name, e);
        }
    }
}
