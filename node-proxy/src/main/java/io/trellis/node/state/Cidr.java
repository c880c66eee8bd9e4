package io.trellis.node.state;

import java.net.InetAddress;

/**
 * An IPv4 or IPv6 address block. An IPv4 block never contains an IPv6 address and vice versa (Java already
 * turns IPv4-mapped IPv6 addresses into IPv4 ones).
 */
public record Cidr(InetAddress address, int prefixLength) {

    public Cidr {
        int bits = address.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is outside 0.." + bits
                    + " for " + address.getHostAddress());
        }
    }

    public boolean contains(InetAddress candidate) {
        byte[] net = address.getAddress();
        byte[] ip = candidate.getAddress();
        if (net.length != ip.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (net[i] != ip[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (net[full] & mask) == (ip[full] & mask);
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
