package io.trellis.controller.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.trellis.controller.model.IncrementalModelBuilder;
import io.trellis.controller.model.MeshModel;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.model.ModelBuilder;
import io.trellis.controller.source.ConfigObject;
import io.trellis.controller.source.ConfigSnapshot;
import io.trellis.controller.source.ObjectMeta;
import io.trellis.controller.source.PodConfig;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Property: applying a random sequence of config changes one at a time to {@link IncrementalModelBuilder}
 * (and translating only the resources its delta names, as the push pipeline does) gives, after every step,
 * the model and the workload xDS resources (names and versions) that a full build of that config gives, and
 * the snapshot's changed/removed sets (what in-step proxies are pushed) are exactly the resources that differ.
 */
class IncrementalModelPropertyTest {

    private static final MeshSettings SETTINGS = MeshSettings.defaults();
    private static final List<String> NAMESPACES = List.of("a", "b", "c");
    private static final List<String> APPS = List.of("web", "db", "cache", "none");
    private static final List<String> NODES = List.of("n1", "n2", "n3", "");

    /** Namespaces (one enrolled, one opting out), services with selectors, policies, a waypoint. */
    private static List<ConfigObject> fixed(Random rnd) {
        StringBuilder y = new StringBuilder();
        y.append("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: a, labels: {trellis.io/dataplane-mode: ambient, trellis.io/use-waypoint: wp}}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: b, labels: {trellis.io/dataplane-mode: %s}}
                ---
                apiVersion: v1
                kind: Namespace
                metadata: {name: c}
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: {name: wp, namespace: a}
                spec:
                  gatewayClassName: trellis-waypoint
                  listeners: [{name: mesh, port: 15008, protocol: HBONE}]
                  addresses: [{value: 10.0.9.9}]
                ---
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: web-only, namespace: a}
                spec: {selector: {matchLabels: {app: %s}}, action: DENY}
                ---
                apiVersion: trellis.io/v1alpha1
                kind: AuthorizationPolicy
                metadata: {name: ns-wide, namespace: b}
                spec: {}
                ---
                """.formatted(rnd.nextBoolean() ? "ambient" : "none", APPS.get(rnd.nextInt(3))));
        for (String ns : NAMESPACES) {
            for (int i = 0; i < 3; i++) {
                String app = APPS.get(i);
                y.append("""
                        apiVersion: v1
                        kind: Service
                        metadata: {name: %s, namespace: %s}
                        spec:
                          selector: {app: %s}
                          clusterIP: 10.96.%d.%d
                          ports: [{port: 80, targetPort: web, appProtocol: http}, {port: 81, targetPort: 9090}]
                        ---
                        """.formatted(app, ns, rnd.nextInt(4) == 0 ? APPS.get(rnd.nextInt(3)) : app,
                        NAMESPACES.indexOf(ns), i));
            }
        }
        ConfigSnapshot s = ConfigSnapshot.parseYaml("fixed.yaml", y.toString());
        assertThat(s.problems()).isEmpty();
        return s.objects();
    }

    private static PodConfig randomPod(Random rnd, String ns, String name) {
        Map<String, String> labels = new HashMap<>();
        String app = APPS.get(rnd.nextInt(APPS.size()));
        if (!app.equals("none")) {
            labels.put("app", app);
        }
        if (rnd.nextInt(5) == 0) {
            labels.put("trellis.io/dataplane-mode", rnd.nextBoolean() ? "ambient" : "none");
        }
        if (rnd.nextInt(6) == 0) {
            labels.put("version", "v" + rnd.nextInt(3));
        }
        if (rnd.nextInt(8) == 0) {
            labels.put("trellis.io/use-waypoint", "wp");
        }
        if (ns.equals("a") && rnd.nextInt(15) == 0) {
            labels.put("gateway.networking.k8s.io/gateway-name", "wp");
        }
        List<InetAddress> ips = rnd.nextInt(8) == 0 ? List.of()
                : List.of(InetAddress.ofLiteral("10.1." + rnd.nextInt(4) + "." + rnd.nextInt(250)));
        Map<String, Integer> ports = rnd.nextBoolean() ? Map.of("web", 8080) : Map.of();
        return new PodConfig(new ObjectMeta(name, ns, labels), "sa" + rnd.nextInt(3),
                NODES.get(rnd.nextInt(NODES.size())), ips, rnd.nextInt(5) != 0, ports);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void incrementalEqualsFullRebuild(long seed) {
        Random rnd = new Random(seed);
        List<ConfigObject> fixed = fixed(rnd);
        List<PodConfig> pods = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            pods.add(randomPod(rnd, NAMESPACES.get(i % 3), "p" + i));
        }
        IncrementalModelBuilder incremental = new IncrementalModelBuilder(SETTINGS);
        MeshModel previous = MeshModel.empty(SETTINGS);
        ResourceSnapshot snapshot = ResourceSnapshot.empty();
        ResourceSnapshot compared = ResourceSnapshot.empty();
        int patched = 0;
        int nextName = 40;
        for (int step = 0; step < 150; step++) {
            int op = rnd.nextInt(20);
            if (op < 8 && !pods.isEmpty()) {
                // one pod changes in place (labels, IP, node, account, readiness)
                int i = rnd.nextInt(pods.size());
                PodConfig old = pods.get(i);
                pods.set(i, randomPod(rnd, old.meta().namespace(), old.meta().name()));
            } else if (op < 11) {
                pods.add(rnd.nextInt(pods.size() + 1), randomPod(rnd, NAMESPACES.get(rnd.nextInt(3)),
                        "p" + nextName++));
            } else if (op < 14 && !pods.isEmpty()) {
                pods.remove(rnd.nextInt(pods.size()));
            } else if (op < 15 && pods.size() > 10) {
                // a node failure: every pod of one node at once
                String node = NODES.get(rnd.nextInt(3));
                pods.removeIf(p -> p.meta().name().hashCode() % 2 == 0 && p.nodeName().equals(node));
            } else if (op < 16) {
                Collections.shuffle(pods, rnd);
            } else if (op < 17) {
                // something that is not a pod: selectors, namespace labels, the policy
                fixed = fixed(rnd);
            } else if (op < 18 && !pods.isEmpty()) {
                // the same pods as new but equal objects (a source that re-decoded a file)
                int i = rnd.nextInt(pods.size());
                PodConfig p = pods.get(i);
                pods.set(i, new PodConfig(p.meta(), p.serviceAccount(), p.nodeName(), p.podIps(), p.ready(),
                        p.namedPorts()));
            }
            // else: no change at all
            List<ConfigObject> objects = new ArrayList<>(fixed);
            objects.addAll(pods);
            ConfigSnapshot config = ConfigSnapshot.of(objects, List.of());

            MeshModel base = incremental.model();
            MeshModel model = incremental.apply(config);
            MeshModel full = ModelBuilder.build(config, SETTINGS);
            assertThat(model).as("model after step %d (seed %d)", step, seed).isEqualTo(full);

            // as the push pipeline does: patch only what the delta names when there is one, else compare all
            IncrementalModelBuilder.Delta delta = incremental.lastDelta();
            ResourceSnapshot before = snapshot;
            if (delta != null && base == previous) {
                WorkloadTranslator.Patch patch = WorkloadTranslator.translate(previous, model, delta);
                snapshot = snapshot.patch(patch.upserts(), patch.removals(), 0);
                patched++;
            } else {
                snapshot = snapshot.next(WorkloadTranslator.translate(previous, model), 0);
            }
            compared = compared.next(WorkloadTranslator.translate(previous, model), 0);
            previous = model;
            ResourceSnapshot fromScratch = ResourceSnapshot.empty().next(WorkloadTranslator.translate(
                    MeshModel.empty(SETTINGS), full), 0);
            for (String type : TypeUrls.ALL) {
                assertThat(versions(snapshot, type)).as("%s after step %d (seed %d)", type, step, seed)
                        .isEqualTo(versions(fromScratch, type));
                assertThat(versions(compared, type)).isEqualTo(versions(fromScratch, type));
                // what in-step proxies are pushed: exactly the names whose version changed or that went away
                Map<String, String> was = versions(before, type);
                Map<String, String> now = versions(snapshot, type);
                assertThat(snapshot.changed(type)).as("%s changed at step %d (seed %d)", type, step, seed)
                        .isEqualTo(now.keySet().stream().filter(n -> !now.get(n).equals(was.get(n)))
                                .collect(java.util.stream.Collectors.toSet()));
                assertThat(snapshot.removed(type)).as("%s removed at step %d (seed %d)", type, step, seed)
                        .isEqualTo(was.keySet().stream().filter(n -> !now.containsKey(n))
                                .collect(java.util.stream.Collectors.toSet()));
            }
        }
        assertThat(incremental.incrementalUpdates()).as("most steps took the incremental path")
                .isGreaterThan(incremental.fullBuilds());
        assertThat(patched).as("steps translated from the delta alone").isGreaterThan(50);
    }

    private static Map<String, String> versions(ResourceSnapshot s, String type) {
        Map<String, String> out = new TreeMap<>();
        s.resources(type).forEach((name, r) -> out.put(name, r.version()));
        return out;
    }
}
