package io.trellis.install.lab;

import java.util.List;

/**
 * The lab's addresses. They exist only inside the lab's network namespaces: nothing is added to
 * the host's own interfaces or routes, so no lab packet can leave the machine.
 *
 * <pre>
 *   underlay   10.240.0.0/24    node k (1-based) = 10.240.0.k on its eth0, bridged in the underlay netns
 *   pods       10.241.k.0/24    pod CIDR of node k; 10.241.k.1 = the node's side of every pod veth
 *                               (the pods' gateway), pod j on node k = 10.241.k.(j+1)
 *   services   10.96.0.0/16     cluster IPs (VIPs), Kubernetes' default service range: never on an
 *                               interface, only the node-proxy knows them; service k = 10.96.0.(k+9)
 * </pre>
 */
public final class AddressPlan {

    public static final String UNDERLAY_CIDR = "10.240.0.0/24";
    public static final String POD_SUPERNET = "10.241.0.0/16";
    public static final String SERVICE_CIDR = "10.96.0.0/16";

    private AddressPlan() {}

    /** The node's address on the underlay (1-based node index). */
    public static String nodeIp(int node) {
        return "10.240.0." + node;
    }

    /** The node's pod CIDR. */
    public static String podCidr(int node) {
        return "10.241." + node + ".0/24";
    }

    /** The node's address toward its pods: every pod's default gateway and the source of health probes. */
    public static String gatewayIp(int node) {
        return "10.241." + node + ".1";
    }

    /** Pod j (1-based, in spec order on its node) of node k. */
    public static String podIp(int node, int pod) {
        return "10.241." + node + "." + (pod + 1);
    }

    /** The cluster IP of the k-th Service (1-based, in spec order). */
    public static String serviceIp(int service) {
        int host = service + 9; // .1 to .9 stay free for well-known addresses such as a cluster DNS
        return "10.96." + (host >> 8) + "." + (host & 0xff);
    }

    /** Every lab range, for messages and the README. */
    public static List<String> ranges() {
        return List.of(UNDERLAY_CIDR, POD_SUPERNET, SERVICE_CIDR);
    }
}
