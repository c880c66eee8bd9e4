package io.trellis.node.inpod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns on {@code net.ipv4.tcp_migrate_req} (Linux 5.14+, IPv4 and IPv6 TCP) inside a pod's network namespace, from
 * a thread that is in that namespace.
 *
 * <p>Why: during an upgrade the old and the new node-proxy each have a listener in the pod's SO_REUSEPORT group, and
 * the kernel spreads new connections over both. When the old one closes its listener, connections still waiting in
 * its accept queue (and half-open ones) would be reset; with this setting the kernel moves them to the new listener
 * instead, so no client sees a refused or reset connection. The setting only changes what happens when a listener in
 * a reuseport group closes, and the group is the node-proxy's own.
 */
final class ListenerMigration {

    private static final Logger log = LoggerFactory.getLogger(ListenerMigration.class);
    private static final Path SYSCTL = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");
    private static final Path THREAD_NETNS = Path.of("/proc/thread-self/ns/net");

    private ListenerMigration() {
    }

    /**
     * Enables migration in the namespace of the calling thread if that is {@code netns} (a fake namespace in tests
     * leaves the thread in the host's: nothing is written there). Best effort: a kernel without the setting or a
     * read-only {@code /proc/sys} is logged, and upgrades may then reset the connections queued at the switch.
     */
    static void enableIfInside(Netns netns) {
        try {
            Object inode = Files.getAttribute(THREAD_NETNS, "unix:ino");
            if (!(inode instanceof Long l) || l != netns.inode()) {
                return;
            }
            if (!Files.exists(SYSCTL)) {
                log.warn("event=listener_migration_unavailable netns={} problem=\"{} missing: kernel older than 5.14; "
                        + "connections queued on the old listener during an upgrade may be reset\"", netns.source(), SYSCTL);
                return;
            }
            if (!Files.readString(SYSCTL, StandardCharsets.US_ASCII).strip().equals("1")) {
                Files.writeString(SYSCTL, "1", StandardCharsets.US_ASCII);
            }
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            log.warn("event=listener_migration_unavailable netns={} problem=\"cannot set {}: {}; connections queued on "
                    + "the old listener during an upgrade may be reset (is /proc/sys writable for the node-proxy?)\"",
                    netns.source(), SYSCTL, e.toString());
        }
    }
}
