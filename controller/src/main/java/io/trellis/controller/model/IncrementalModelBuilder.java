package io.trellis.controller.model;

import io.trellis.controller.source.ConfigSnapshot;
import io.trellis.controller.source.PodConfig;
import io.trellis.controller.source.ServiceConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Keeps the {@link MeshModel} up to date by applying each new config snapshot to the previous model. When only
 * pods changed (the common case: rollouts, scaling, node failures), only the changed pods' workloads, the
 * endpoint lists of the services they belong to and the service accounts of their nodes are rebuilt; every
 * other workload and service keeps its model object, so translation sees them as unchanged by identity.
 * Anything else that shapes workloads (namespaces, services, gateways, authorization policies, or a waypoint's
 * own pod) falls back to a full {@link ModelBuilder#build}. Routes and resilience policies are carried over
 * as they are: the workload model does not depend on them.
 *
 * <p>Finding the changed pods is one pass of reference comparisons over the pod list (sources reuse the
 * objects of unchanged pods), and the new model copies the workload map once: O(pods) pointer work, but the
 * per-pod model work (selector matching, policy matching, translation) is O(changed pods).
 *
 * <p>Not thread-safe: the push pipeline calls it from its single scheduler thread.
 */
public final class IncrementalModelBuilder {

    private final MeshSettings settings;
    private ConfigSnapshot config = ConfigSnapshot.empty();
    private MeshModel model;
    /** Pods of {@link #config} by {@code namespace/name}. */
    private Map<String, PodConfig> pods = new HashMap<>();
    /** node -> {@code namespace/serviceAccount} -> how many pods: to know when a node's last such pod goes. */
    private Map<String, Map<String, Integer>> accountCounts = new HashMap<>();
    private Map<String, Map<String, String>> namespaceLabels = Map.of();
    private Map<String, List<ServiceConfig>> servicesByNamespace = Map.of();
    private Map<String, List<AuthorizationModel>> selectorPolicies = Map.of();
    private boolean needsFullBuild = true;
    private @Nullable Delta lastDelta;
    private long fullBuilds;
    private long incrementalUpdates;

    public IncrementalModelBuilder(MeshSettings settings) {
        this.settings = settings;
        this.model = MeshModel.empty(settings);
    }

    /** The model of the last snapshot applied. */
    public MeshModel model() {
        return model;
    }

    /**
     * What the last {@link #apply} may have changed, when it was a pod-only update: the uids of workloads added,
     * changed or removed and the keys of services whose endpoints were recomputed. Null after a full build
     * (anything may have changed). Everything not named is the very same model object as before.
     */
    public @Nullable Delta lastDelta() {
        return lastDelta;
    }

    /** Workloads and services an incremental update touched. */
    public record Delta(Set<String> workloads, Set<String> services) {
        public Delta {
            workloads = Set.copyOf(workloads);
            services = Set.copyOf(services);
        }
    }

    /** How many applies rebuilt everything (the first one always does). */
    public long fullBuilds() {
        return fullBuilds;
    }

    /** How many applies were pod-only updates. */
    public long incrementalUpdates() {
        return incrementalUpdates;
    }

    /** Applies the next config; returns the model equal to {@code ModelBuilder.build(next, settings)}. */
    public MeshModel apply(ConfigSnapshot next) {
        lastDelta = null;
        try {
            Map<String, ChangedPod> changed = needsFullBuild || !sameNonPodConfig(config, next) ? null
                    : changedPods(next);
            if (changed == null) {
                rebuild(next);
            } else {
                update(next, changed);
            }
        } catch (RuntimeException e) {
            // the indexes may be half updated: the next config starts from scratch
            needsFullBuild = true;
            throw e;
        }
        config = next;
        return model;
    }

    private void rebuild(ConfigSnapshot next) {
        model = ModelBuilder.build(next, settings);
        fullBuilds++;
        Map<String, PodConfig> nextPods = podsOrNull(next);
        // two pods with one key: the full build's rules decide; stay on full builds until that is resolved
        needsFullBuild = nextPods == null;
        pods = nextPods != null ? nextPods : new HashMap<>();
        accountCounts = new HashMap<>();
        for (WorkloadModel w : model.workloads().values()) {
            count(w, 1);
        }
        namespaceLabels = ModelBuilder.namespaceLabels(next);
        servicesByNamespace = ModelBuilder.servicesByNamespace(next);
        selectorPolicies = ModelBuilder.selectorPolicies(next, settings);
    }

    private void update(ConfigSnapshot next, Map<String, ChangedPod> changed) {
        incrementalUpdates++;
        if (changed.isEmpty()) {
            model = withConfig(next, model.workloads(), model.services(), model.serviceAccountsByNode());
            lastDelta = new Delta(Set.of(), Set.of());
            return;
        }
        Map<String, WorkloadModel> workloads = new HashMap<>(model.workloads());
        Map<String, Set<String>> leaving = new HashMap<>();
        Map<String, Set<String>> joining = new HashMap<>();
        Set<String> nodes = new HashSet<>();
        for (Map.Entry<String, ChangedPod> e : changed.entrySet()) {
            String uid = e.getKey();
            ChangedPod c = e.getValue();
            if (c.before() != null) {
                WorkloadModel old = workloads.remove(uid);
                if (old != null) {
                    old.services().keySet().forEach(s -> leaving.computeIfAbsent(s, k -> new HashSet<>()).add(uid));
                    count(old, -1);
                    nodes.add(old.node());
                }
            }
            PodConfig pod = c.after();
            if (pod != null) {
                String ns = pod.meta().namespace();
                WorkloadModel w = ModelBuilder.workload(pod, namespaceLabels.getOrDefault(ns, Map.of()),
                        servicesByNamespace.getOrDefault(ns, List.of()), selectorPolicies.getOrDefault(ns, List.of()),
                        model.waypoints(), settings);
                workloads.put(uid, w);
                w.services().keySet().forEach(s -> joining.computeIfAbsent(s, k -> new HashSet<>()).add(uid));
                count(w, 1);
                nodes.add(w.node());
            }
        }
        Map<String, ServiceModel> services = new HashMap<>(model.services());
        Set<String> touched = new LinkedHashSet<>(leaving.keySet());
        touched.addAll(joining.keySet());
        for (String key : touched) {
            ServiceModel s = services.get(key);
            if (s == null) {
                continue;
            }
            TreeSet<String> endpoints = new TreeSet<>(s.endpoints());
            endpoints.removeAll(leaving.getOrDefault(key, Set.of()));
            endpoints.addAll(joining.getOrDefault(key, Set.of()));
            services.put(key, s.withEndpoints(new ArrayList<>(endpoints)));
        }
        Map<String, Set<String>> accounts = new HashMap<>(model.serviceAccountsByNode());
        for (String node : nodes) {
            Map<String, Integer> counts = accountCounts.get(node);
            if (counts == null || counts.isEmpty()) {
                accounts.remove(node);
            } else {
                accounts.put(node, Set.copyOf(counts.keySet()));
            }
        }
        model = withConfig(next, workloads, services, accounts);
        lastDelta = new Delta(changed.keySet(), touched);
    }

    private MeshModel withConfig(ConfigSnapshot next, Map<String, WorkloadModel> workloads,
                                 Map<String, ServiceModel> services, Map<String, Set<String>> accounts) {
        return new MeshModel(settings, workloads, services, model.authorizations(), model.waypoints(), accounts,
                next.httpRoutes(), next.grpcRoutes(), next.resiliencePolicies());
    }

    private void count(WorkloadModel w, int delta) {
        if (w.node().isEmpty()) {
            return;
        }
        Map<String, Integer> counts = accountCounts.computeIfAbsent(w.node(), k -> new HashMap<>());
        counts.merge(w.namespace() + "/" + w.serviceAccount(), delta, (a, b) -> a + b == 0 ? null : a + b);
        if (counts.isEmpty()) {
            accountCounts.remove(w.node());
        }
    }

    /** The pods by key, or null when two pods share a key. */
    private static @Nullable Map<String, PodConfig> podsOrNull(ConfigSnapshot next) {
        Map<String, PodConfig> out = new HashMap<>(Math.max(16, next.pods().size() * 2));
        for (PodConfig p : next.pods()) {
            if (out.put(uid(p), p) != null) {
                return null;
            }
        }
        return out;
    }

    /**
     * Pods added, removed or changed, by uid, with {@link #pods} brought up to date; null when a change needs a
     * full build (two pods with one key, or a pod that is or was a waypoint's: it decides the waypoint's
     * identity).
     */
    private @Nullable Map<String, ChangedPod> changedPods(ConfigSnapshot next) {
        Map<String, ChangedPod> out = new HashMap<>();
        List<PodConfig> before = config.pods();
        List<PodConfig> after = next.pods();
        if (before.size() == after.size()) {
            // fast path: the same pods at the same positions, most of them the very same objects
            boolean aligned = true;
            for (int i = 0; i < after.size() && aligned; i++) {
                PodConfig a = before.get(i);
                PodConfig b = after.get(i);
                if (a != b && !a.equals(b)) {
                    aligned = uid(a).equals(uid(b));
                    out.put(uid(b), new ChangedPod(a, b));
                }
            }
            if (aligned) {
                out.forEach((uid, c) -> pods.put(uid, Objects.requireNonNull(c.after())));
                return waypointPodChanged(out) ? null : out;
            }
            out.clear();
        }
        Map<String, PodConfig> nextPods = podsOrNull(next);
        if (nextPods == null) {
            return null;
        }
        for (Map.Entry<String, PodConfig> e : nextPods.entrySet()) {
            PodConfig old = pods.get(e.getKey());
            if (old == null || (old != e.getValue() && !old.equals(e.getValue()))) {
                out.put(e.getKey(), new ChangedPod(old, e.getValue()));
            }
        }
        for (Map.Entry<String, PodConfig> e : pods.entrySet()) {
            if (!nextPods.containsKey(e.getKey())) {
                out.put(e.getKey(), new ChangedPod(e.getValue(), null));
            }
        }
        pods = nextPods;
        return waypointPodChanged(out) ? null : out;
    }

    private static boolean waypointPodChanged(Map<String, ChangedPod> changed) {
        for (ChangedPod c : changed.values()) {
            if (isWaypointPod(c.before()) || isWaypointPod(c.after())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isWaypointPod(@Nullable PodConfig p) {
        return p != null && p.meta().labels().containsKey(Labels.GATEWAY_NAME);
    }

    private static boolean sameNonPodConfig(ConfigSnapshot a, ConfigSnapshot b) {
        return Objects.equals(a.namespaces(), b.namespaces()) && Objects.equals(a.services(), b.services())
                && Objects.equals(a.gateways(), b.gateways())
                && Objects.equals(a.authorizationPolicies(), b.authorizationPolicies());
    }

    private static String uid(PodConfig p) {
        return p.meta().namespace() + "/" + p.meta().name();
    }

    private record ChangedPod(@Nullable PodConfig before, @Nullable PodConfig after) {}
}
