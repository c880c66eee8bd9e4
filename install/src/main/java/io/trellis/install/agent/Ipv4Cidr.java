package io.trellis.install.agent;

/**
 * An IPv4 network in the canonical form iptables prints ({@code 10.1.2.0/24}; a bare address
 * becomes a {@code /32}), so the rules we write compare equal to the rules we read back.
 */
record Ipv4Cidr(int network, int prefix) {

    static Ipv4Cidr parse(String text) {
        String[] parts = text.strip().split("/", -1);
        if (parts.length > 2) {
            throw invalid(text);
        }
        int address = parseAddress(parts[0], text);
        int prefix = 32;
        if (parts.length == 2) {
            try {
                prefix = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw invalid(text);
            }
            if (prefix < 0 || prefix > 32) {
                throw invalid(text);
            }
        }
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        return new Ipv4Cidr(address & mask, prefix);
    }

    private static int parseAddress(String dotted, String whole) {
        String[] octets = dotted.split("\\.", -1);
        if (octets.length != 4) {
            throw invalid(whole);
        }
        int address = 0;
        for (String octet : octets) {
            if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(Character::isDigit)) {
                throw invalid(whole);
            }
            int value = Integer.parseInt(octet);
            if (value > 255) {
                throw invalid(whole);
            }
            address = (address << 8) | value;
        }
        return address;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("'" + text + "' is not an IPv4 address or CIDR (expected e.g. 10.0.0.1 or 10.0.0.0/24)");
    }

    @Override
    public String toString() {
        return (network >>> 24) + "." + ((network >>> 16) & 0xff) + "." + ((network >>> 8) & 0xff) + "."
                + (network & 0xff) + "/" + prefix;
    }
}
