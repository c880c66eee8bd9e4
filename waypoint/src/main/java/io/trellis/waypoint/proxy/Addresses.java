package io.trellis.waypoint.proxy;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.jspecify.annotations.Nullable;

/** Literal {@code ip:port} addresses as endpoints and HBONE carry them; never resolves names. */
final class Addresses {

    private Addresses() {}

    /** {@code 10.0.0.1:80} or {@code [fd00::1]:80}; null unless a literal IP and a valid port. */
    static @Nullable InetSocketAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            return null;
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        byte[] ip = NetUtil.createByteArrayFromIpAddressString(host);
        if (ip == null) {
            return null;
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (port < 1 || port > 65_535) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException impossible) {
            return null;
        }
    }

    /** {@code ip:port}, brackets around IPv6. */
    static String format(InetSocketAddress address) {
        return NetUtil.toSocketAddressString(address);
    }
}
