package io.trellis.install.agent;

/** Installing, checking or removing the capture rules in a pod namespace failed; the message says what to check. */
public abstract sealed class CaptureException extends RuntimeException
        permits CaptureException.NoWorkingIptables, CaptureException.RuleCommandFailed {

    private CaptureException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Neither iptables backend can list the nat table in that namespace. */
    public static final class NoWorkingIptables extends CaptureException {
        NoWorkingIptables(Netns netns, IpFamily family, String attempts) {
            super("no working " + family.command() + " (" + family.label() + ") in " + netns.describe() + ": " + attempts
                    + ". Check that the 'iptables' package is installed (iptables-nft and iptables-legacy),"
                    + " that the namespace exists, and that we run as root with CAP_NET_ADMIN.", null);
        }
    }

    /** One iptables command failed; the message carries the command line and its stderr. */
    public static final class RuleCommandFailed extends CaptureException {
        RuleCommandFailed(Netns netns, String action, String detail, Throwable cause) {
            super(action + " in " + netns.describe() + " failed: " + detail
                    + ". Check that the namespace still exists and that the kernel has the nat, conntrack,"
                    + " mark and REDIRECT netfilter modules.", cause);
        }
    }
}
