package io.trellis.install.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's decisions: for a new pod (CNI ADD from the chained plugin) or an already running one
 * (reconciliation from the API), install the capture rules in its netns and enroll it with the node-proxy,
 * when the pod is enrolled. Fails closed: while the node-proxy is not ready, an enrolled pod's ADD fails, so
 * it is retried by the kubelet instead of running outside the mesh. One lock: pod starts are rare events.
 */
public final class NodeAgent {

    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String nodeName;
    private final EnrollmentPolicy policy;
    private final PodDirectory pods;
    private final PodCapture capture;
    private final Enroller enroller;
    private final NetnsLocator locator;
    /** Enrolled pods by uid: what a replay to a restarted node-proxy sends. */
    private final Map<String, Enroller.Enrolled> enrolled = new LinkedHashMap<>();

    public NodeAgent(String nodeName, EnrollmentPolicy policy, PodDirectory pods, PodCapture capture,
                     Enroller enroller, NetnsLocator locator) {
        this.nodeName = nodeName;
        this.policy = policy;
        this.pods = pods;
        this.capture = capture;
        this.enroller = enroller;
        this.locator = locator;
    }

    /** Handles one CNI call; never throws: every failure becomes a CNI error for the runtime. */
    public synchronized CniResponse handle(CniRequest request) {
        JsonNode config;
        try {
            config = JSON.readTree(request.config());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return CniResponse.error("1.0.0", "trellis-cni: the network config is not JSON", e.getOriginalMessage());
        }
        String version = config.path("cniVersion").asText("1.0.0");
        return switch (request.command()) {
            case "ADD" -> add(request, config, version);
            case "DEL" -> delete(request);
            case "CHECK", "GC", "STATUS" -> CniResponse.empty();
            default -> CniResponse.error(version, "trellis-cni: unsupported CNI_COMMAND '" + request.command() + "'",
                    "");
        };
    }

    private CniResponse add(CniRequest request, JsonNode config, String version) {
        JsonNode prev = config.get("prevResult");
        if (prev == null || !prev.isObject()) {
            return CniResponse.error(version, "trellis-cni is a chained plugin: no prevResult in its config",
                    "list it after the primary plugin in the conflist");
        }
        Map<String, String> args = request.args();
        String ns = args.get("K8S_POD_NAMESPACE");
        String name = args.get("K8S_POD_NAME");
        if (ns == null || name == null) {
            return CniResponse.result(prev);   // not a Kubernetes pod: nothing of ours
        }
        try {
            PodFacts pod = pods.pod(ns, name).orElseThrow(() -> new AgentException("pod " + ns + "/" + name
                    + " is not in the API server (yet?)"));
            String uid = args.getOrDefault("K8S_POD_UID", pod.uid());
            PodFacts facts = new PodFacts(uid.isEmpty() ? pod.uid() : uid, pod.name(), pod.namespace(),
                    pod.serviceAccount(), pod.nodeName(), pod.hostNetwork(), pod.labels(), pod.namespaceLabels(),
                    pod.ips());
            EnrollmentPolicy.Decision d = policy.decide(facts);
            if (!d.enroll()) {
                LOG.info("event=pod_not_enrolled pod={} reason=\"{}\"", facts.key(), d.reason());
                return CniResponse.result(prev);
            }
            if (request.netns().isEmpty()) {
                throw new AgentException("CNI_NETNS is empty: the runtime gave no network namespace");
            }
            enroll(facts, Path.of(request.netns()));
            LOG.info("event=pod_enrolled pod={} uid={} netns={} via=cni", facts.key(), facts.uid(), request.netns());
            return CniResponse.result(prev);
        } catch (AgentException e) {
            LOG.warn("event=cni_add_failed pod={}/{} problem=\"{}\"", ns, name, e.getMessage());
            return CniResponse.error(version, "Trellis could not put pod " + ns + "/" + name + " in the mesh: "
                    + e.getMessage(), "the pod does not start outside the mesh; the kubelet retries");
        }
    }

    /** Capture rules first, then the node-proxy; on a failure the rules come out again. */
    private void enroll(PodFacts pod, Path netns) throws AgentException {
        if (!enroller.ready()) {
            throw new AgentException("the node-proxy on node " + nodeName + " is not ready");
        }
        try {
            capture.install(netns);
        } catch (RuntimeException e) {
            throw new AgentException("installing capture rules in " + netns + " failed: " + e.getMessage(), e);
        }
        try {
            enroller.add(pod, netns);
        } catch (AgentException e) {
            try {
                capture.uninstall(netns);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        enrolled.put(pod.uid(), new Enroller.Enrolled(pod, netns));
    }

    private CniResponse delete(CniRequest request) {
        Map<String, String> args = request.args();
        String uid = args.get("K8S_POD_UID");
        String key = args.get("K8S_POD_NAMESPACE") + "/" + args.get("K8S_POD_NAME");
        List<String> uids = new ArrayList<>();
        enrolled.forEach((u, e) -> {
            if (u.equals(uid) || e.pod().key().equals(key)) {
                uids.add(u);
            }
        });
        for (String u : uids) {
            enrolled.remove(u);
            try {
                enroller.remove(u);
            } catch (AgentException e) {
                // DEL must succeed: the pod is going away; the next replay drops it from the node-proxy anyway
                LOG.warn("event=cni_del_remove_failed uid={} problem=\"{}\"", u, e.getMessage());
            }
        }
        return CniResponse.empty();
    }

    /**
     * Brings the node-proxy in line with the pods running on this node (after an agent or node-proxy restart):
     * every enrolled pod with an IP is found by IP, captured and replayed; pods gone are dropped.
     *
     * @return pods that should be enrolled but whose namespace was not found (logged; retried next time)
     */
    public synchronized List<String> reconcile(Collection<PodFacts> running) throws AgentException {
        Map<String, Enroller.Enrolled> next = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (PodFacts pod : running) {
            if (!pod.nodeName().equals(nodeName) || !policy.decide(pod).enroll()) {
                continue;
            }
            Enroller.Enrolled known = enrolled.get(pod.uid());
            if (known != null) {
                next.put(pod.uid(), known);
                continue;
            }
            Optional<Path> netns = pod.ips().isEmpty() ? Optional.empty() : locator.find(pod.ips());
            if (netns.isEmpty()) {
                missing.add(pod.key());
                LOG.warn("event=reconcile_netns_not_found pod={} ips={}", pod.key(), pod.ips());
                continue;
            }
            try {
                capture.install(netns.get());
            } catch (RuntimeException e) {
                missing.add(pod.key());
                LOG.warn("event=reconcile_capture_failed pod={} problem=\"{}\"", pod.key(), e.getMessage());
                continue;
            }
            next.put(pod.uid(), new Enroller.Enrolled(pod, netns.get()));
        }
        if (!enroller.ready()) {
            throw new AgentException("the node-proxy on node " + nodeName + " is not ready; reconciliation waits");
        }
        enroller.replay(next.values());
        enrolled.clear();
        enrolled.putAll(next);
        LOG.info("event=reconciled node={} enrolled={} missing={}", nodeName, next.size(), missing.size());
        return missing;
    }

    /** The pods currently enrolled, by uid. */
    public synchronized Map<String, Enroller.Enrolled> enrolled() {
        return Map.copyOf(enrolled);
    }
}
