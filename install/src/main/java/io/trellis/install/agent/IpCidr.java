package io.trellis.install.agent;

import java.net.Inet6Address;

/**
 * An IPv4 or IPv6 network in the canonical form iptables and ip6tables print ({@code 10.1.2.0/24},
 * {@code fd00::/64}; a bare address gets the full prefix), so the rules we write compare equal to
 * the rules we read back.
 */
record IpCidr(IpFamily family, String text) {

    static IpCidr parse(String input) {
        String trimmed = input.strip();
        String[] parts = trimmed.split("/", -1);
        if (parts.length > 2 || parts[0].isEmpty()) {
            throw invalid(input);
        }
        boolean v6 = parts[0].contains(":");
        byte[] address = v6 ? parseV6(parts[0], input) : parseV4(parts[0], input);
        int max = address.length * 8;
        int prefix = max;
        if (parts.length == 2) {
            if (parts[1].isEmpty() || parts[1].length() > 3 || !parts[1].chars().allMatch(Character::isDigit)) {
                throw invalid(input);
            }
            prefix = Integer.parseInt(parts[1]);
            if (prefix > max) {
                throw invalid(input);
            }
        }
        for (int bit = prefix; bit < max; bit++) {
            address[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return v6 ? new IpCidr(IpFamily.IPV6, formatV6(address) + "/" + prefix)
                : new IpCidr(IpFamily.IPV4, formatV4(address) + "/" + prefix);
    }

    private static byte[] parseV4(String dotted, String whole) {
        String[] octets = dotted.split("\\.", -1);
        if (octets.length != 4) {
            throw invalid(whole);
        }
        byte[] address = new byte[4];
        for (int i = 0; i < 4; i++) {
            String octet = octets[i];
            if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(Character::isDigit)
                    || Integer.parseInt(octet) > 255) {
                throw invalid(whole);
            }
            address[i] = (byte) Integer.parseInt(octet);
        }
        return address;
    }

    private static byte[] parseV6(String literal, String whole) {
        if (!literal.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
            throw invalid(whole); // no zone ids, brackets or host names
        }
        try {
            byte[] bytes = Inet6Address.ofLiteral(literal).getAddress();
            if (bytes.length != 16) {
                throw invalid(whole); // an IPv4-mapped literal collapses to IPv4: say so instead
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            throw invalid(whole);
        }
    }

    private static String formatV4(byte[] a) {
        return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
    }

    /** RFC 5952, as inet_ntop writes it: the longest run of two or more zero groups (the first on a tie) becomes "::". */
    private static String formatV6(byte[] a) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("'" + text + "' is not an IP address or CIDR"
                + " (expected e.g. 10.0.0.1, 10.0.0.0/24 or fd00::/64)");
    }

    @Override
    public String toString() {
        return text;
    }
}
