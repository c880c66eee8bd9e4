package io.trellis.install.agent;

import java.util.ArrayList;
import java.util.List;

/**
 * The numbers the capture rules and the node-proxy must agree on, plus the health-probe
 * exclusion.
 *
 * @param proxyMark the SO_MARK the node-proxy puts on every socket it opens inside a pod; packets
 *     carrying it (under {@code markMask}) are never captured, otherwise the proxy would capture
 *     its own upstream connections in a loop
 * @param markMask which bits of the packet mark belong to Trellis (other bits stay free for the CNI)
 * @param outboundPort where captured outbound TCP goes (the node-proxy's outbound listener)
 * @param inboundPlaintextPort where captured inbound TCP goes (plaintext from outside the mesh)
 * @param hbonePort inbound HBONE; delivered as-is to the node-proxy's HBONE listener
 * @param probeSources IPv4 or IPv6 addresses or CIDRs whose inbound TCP reaches the app
 *     uncaptured: the kubelet's health probes come from the node, and a STRICT mTLS policy must not
 *     fail them (in the lab this is the node's gateway address toward its pods)
 * @param families which address families to capture; both by default, because a pod with IPv6
 *     and only IPv4 rules would reach IPv6 destinations outside the mesh. On a kernel without
 *     IPv6 the IPv6 rules are skipped (there is no IPv6 traffic to capture).
 */
public record CaptureConfig(int proxyMark, int markMask, int outboundPort, int inboundPlaintextPort,
        int hbonePort, List<String> probeSources, List<IpFamily> families) {

    /** SO_MARK of the node-proxy's own sockets: 0x539 (1337), inside {@link #DEFAULT_MARK_MASK}. */
    public static final int DEFAULT_PROXY_MARK = 0x539;
    /** The low 12 bits, leaving the rest of the mark to other users of the pod namespace. */
    public static final int DEFAULT_MARK_MASK = 0xfff;
    /**
     * Connection mark of a connection the node-proxy opened toward its own pod with a foreign
     * source address (IP_TRANSPARENT, to keep the client's IP toward the app). The app's replies
     * to such a connection carry it and are routed back into the pod ({@link #TRANSPARENT_ROUTE_TABLE})
     * instead of out to the real client, which never opened that connection.
     */
    public static final int TRANSPARENT_MARK = 0x53a;
    /** Policy-routing table holding only {@code local default dev lo}: where packets with {@link #TRANSPARENT_MARK} go. */
    public static final int TRANSPARENT_ROUTE_TABLE = 1337;
    public static final int OUTBOUND_PORT = 15001;
    public static final int INBOUND_PLAINTEXT_PORT = 15006;
    public static final int HBONE_PORT = 15008;

    public CaptureConfig {
        if ((proxyMark & markMask) != proxyMark || proxyMark == 0) {
            throw new IllegalArgumentException("proxy mark 0x" + Integer.toHexString(proxyMark)
                    + " must be non-zero and inside the mark mask 0x" + Integer.toHexString(markMask));
        }
        if ((TRANSPARENT_MARK & markMask) != TRANSPARENT_MARK || proxyMark == TRANSPARENT_MARK) {
            throw new IllegalArgumentException("the mark mask 0x" + Integer.toHexString(markMask)
                    + " must also cover the transparent-return mark 0x" + Integer.toHexString(TRANSPARENT_MARK)
                    + ", and the proxy mark must differ from it");
        }
        for (int port : new int[] {outboundPort, inboundPlaintextPort, hbonePort}) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is outside 1..65535");
            }
        }
        List<String> canonical = new ArrayList<>();
        for (String cidr : probeSources) {
            canonical.add(IpCidr.parse(cidr).toString());
        }
        probeSources = List.copyOf(canonical);
        families = List.copyOf(new java.util.LinkedHashSet<>(families));
        if (families.isEmpty()) {
            throw new IllegalArgumentException("capture needs at least one address family");
        }
    }

    /** The standard ports and mark, with the given health-probe sources excluded from inbound capture. */
    public static CaptureConfig defaults(List<String> probeSources) {
        return new CaptureConfig(DEFAULT_PROXY_MARK, DEFAULT_MARK_MASK, OUTBOUND_PORT, INBOUND_PLAINTEXT_PORT,
                HBONE_PORT, probeSources, List.of(IpFamily.IPV4, IpFamily.IPV6));
    }

    /** The same settings for only these families. */
    public CaptureConfig withFamilies(IpFamily... only) {
        return new CaptureConfig(proxyMark, markMask, outboundPort, inboundPlaintextPort, hbonePort, probeSources,
                List.of(only));
    }

    /** The probe sources of one family, e.g. for the ip6tables rules only the IPv6 ones. */
    List<String> probeSources(IpFamily family) {
        return probeSources.stream().filter(s -> IpCidr.parse(s).family() == family).toList();
    }

    /** {@code 0x539/0xfff}, as iptables prints a mark match. */
    String markMatch() {
        return "0x" + Integer.toHexString(proxyMark) + "/0x" + Integer.toHexString(markMask);
    }

    /** {@code 0x53a/0xfff}, as iptables and {@code ip rule} print it. */
    String transparentMarkMatch() {
        return "0x" + Integer.toHexString(TRANSPARENT_MARK) + "/0x" + Integer.toHexString(markMask);
    }
}
