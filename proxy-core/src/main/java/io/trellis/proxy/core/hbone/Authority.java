package io.trellis.proxy.core.hbone;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jspecify.annotations.Nullable;

/** The CONNECT {@code :authority} of HBONE: a literal {@code ip:port}, never a host name. */
final class Authority {

    private Authority() {}

    /** {@code 10.0.0.1:80} or {@code [fd00::1]:80}. */
    static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("HBONE target " + address + " is unresolved; HBONE carries IP addresses");
        }
        return NetUtil.toSocketAddressString(new InetSocketAddress(ip, address.getPort()));
    }

    /** Parses an authority; returns null when it is not a literal IP and port (no DNS is ever done). */
    static @Nullable InetSocketAddress parse(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon <= 0 || colon == authority.length() - 1) {
            return null;
        }
        String host = authority.substring(0, colon);
        String portText = authority.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (!NetUtil.isValidIpV6Address(host)) {
                return null;
            }
        } else if (!NetUtil.isValidIpV4Address(host)) {
            return null;
        }
        int port;
        if (portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        port = Integer.parseInt(portText);
        if (port < 1 || port > 65_535) {
            return null;
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
        if (bytes == null) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (java.net.UnknownHostException impossible) {
            return null; // only thrown for a bad length, which createByteArrayFromIpAddressString rules out
        }
    }
}
