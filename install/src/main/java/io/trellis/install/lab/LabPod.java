package io.trellis.install.lab;

import io.trellis.install.agent.CaptureConfig;
import io.trellis.install.agent.CommandResult;
import io.trellis.install.agent.Netns;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A pod of a running lab: its namespace, address and Kubernetes identity; runs commands inside it. */
public final class LabPod {

    private final Lab lab;
    private final LabSpec.PodSpec spec;
    private final LabNode node;
    private final int index;

    LabPod(Lab lab, LabSpec.PodSpec spec, LabNode node, int index) {
        this.lab = lab;
        this.spec = spec;
        this.node = node;
        this.index = index;
    }

    public String name() {
        return spec.name();
    }

    public String namespace() {
        return spec.namespace();
    }

    public String serviceAccount() {
        return spec.serviceAccount();
    }

    public Map<String, String> labels() {
        return spec.labels();
    }

    public String nodeName() {
        return node.name();
    }

    public LabNode node() {
        return node;
    }

    /** A stable uid derived from the lab prefix, namespace and name (what enrollment and the YAML use). */
    public String uid() {
        return UUID.nameUUIDFromBytes((lab.prefix() + "/" + namespace() + "/" + name())
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    public Netns.Named netns() {
        return Netns.named(LabNames.netns(lab.prefix(), name()));
    }

    /** The pod's only non-loopback address. */
    public String ip() {
        return AddressPlan.podIp(node.index(), index);
    }

    /**
     * The capture settings for this pod: standard ports and mark, with the node's gateway address
     * (where the node's health probes come from) excluded from inbound capture. Install with
     * {@code new CaptureRules(runner, pod.captureConfig()).install(pod.netns())}.
     */
    public CaptureConfig captureConfig() {
        return CaptureConfig.defaults(List.of(node.gatewayIp()));
    }

    /** Runs a command inside the pod namespace and waits for it. */
    public CommandResult exec(String... command) {
        return lab.runner().run(netns(), List.of(command));
    }

    /** Starts a long-running process inside the pod namespace, its output in {@code <run dir>/logs/<name>.log}. */
    public LabProcess start(String processName, List<String> command) {
        return lab.start(processName, netns(), command);
    }

    @Override
    public String toString() {
        return name() + "(" + ip() + " on " + node.name() + ")";
    }
}
