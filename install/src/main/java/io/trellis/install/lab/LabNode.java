package io.trellis.install.lab;

import io.trellis.install.agent.CommandResult;
import io.trellis.install.agent.Netns;
import java.util.List;

/** A node of a running lab: its namespace and addresses; runs commands and processes inside it. */
public final class LabNode {

    private final Lab lab;
    private final String name;
    private final int index;

    LabNode(Lab lab, String name, int index) {
        this.lab = lab;
        this.name = name;
        this.index = index;
    }

    public String name() {
        return name;
    }

    /** 1-based position in the spec; the node's octet in the {@link AddressPlan}. */
    public int index() {
        return index;
    }

    public Netns.Named netns() {
        return Netns.named(LabNames.netns(lab.prefix(), name));
    }

    /** The node's address on the underlay: where other nodes route this node's pod CIDR. */
    public String ip() {
        return AddressPlan.nodeIp(index);
    }

    public String podCidr() {
        return AddressPlan.podCidr(index);
    }

    /** The node's address toward its pods (their gateway, and the health-probe source). */
    public String gatewayIp() {
        return AddressPlan.gatewayIp(index);
    }

    public List<LabPod> pods() {
        return lab.pods().stream().filter(p -> p.nodeName().equals(name)).toList();
    }

    /** Runs a command inside the node namespace and waits for it. */
    public CommandResult exec(String... command) {
        return lab.runner().run(netns(), List.of(command));
    }

    /** Starts a long-running process inside the node namespace, its output in {@code <run dir>/logs/<name>.log}. */
    public LabProcess start(String processName, List<String> command) {
        return lab.start(processName, netns(), command);
    }

    @Override
    public String toString() {
        return name + "(" + ip() + ")";
    }
}
