package io.trellis.install.lab;

/**
 * How lab objects are named. Every network namespace is {@code <prefix>-<name>}; interfaces live
 * inside those namespaces, so deleting the namespaces removes the whole lab.
 */
final class LabNames {

    /** The bridge joining the nodes, inside the underlay namespace. */
    static final String BRIDGE = "br0";
    /** A node's leg on the underlay, and a pod's leg toward its node: both named like a real NIC. */
    static final String ETH0 = "eth0";

    private LabNames() {}

    static String underlay(String prefix) {
        return prefix + "-underlay";
    }

    static String netns(String prefix, String name) {
        return prefix + "-" + name;
    }

    /** True for a namespace or host link that belongs to the lab with this prefix. */
    static boolean owned(String prefix, String name) {
        return name.startsWith(prefix + "-");
    }

    /** The underlay-side end of node k's veth (inside the underlay namespace). */
    static String underlayPort(int node) {
        return "n" + node;
    }

    /** The node-side end of pod j's veth (inside the node namespace). */
    static String podPort(int pod) {
        return "p" + pod;
    }
}
