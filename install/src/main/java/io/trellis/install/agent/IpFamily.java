package io.trellis.install.agent;

/** The two address families capture covers; each has its own iptables command and its own tables. */
public enum IpFamily {
    IPV4("iptables"),
    IPV6("ip6tables");

    private final String command;

    IpFamily(String command) {
        this.command = command;
    }

    /** {@code ipv4} or {@code ipv6}, as listings and logs name the family. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** {@code iptables} or {@code ip6tables}, before the backend suffix. */
    String command() {
        return command;
    }
}
