package io.trellis.install.agent;

import java.util.regex.Pattern;

/**
 * Where a command runs: the caller's own network namespace, a named one under {@code /run/netns}
 * (as {@code ip netns add} creates them), or any namespace file such as {@code /proc/<pid>/ns/net}.
 */
public sealed interface Netns {

    /** The namespace the calling process is in (for the lab: the host's). */
    static Netns host() {
        return Host.INSTANCE;
    }

    /** A namespace created with {@code ip netns add NAME}. */
    static Named named(String name) {
        return new Named(name);
    }

    /** A namespace file, e.g. {@code /proc/1234/ns/net} or {@code /var/run/netns/cni-...}. */
    static Path path(String path) {
        return new Path(path);
    }

    /** Human-readable for error messages and logs. */
    String describe();

    /** The caller's own namespace. */
    enum Host implements Netns {
        INSTANCE;

        @Override
        public String describe() {
            return "host netns";
        }
    }

    /** A named namespace; the name is what {@code ip netns list} prints. */
    record Named(String name) implements Netns {
        private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,200}");

        public Named {
            if (!VALID.matcher(name).matches()) {
                throw new IllegalArgumentException("invalid network namespace name '" + name
                        + "': use letters, digits, '-', '_' and '.', starting with a letter or digit");
            }
        }

        /** The namespace file that {@code ip netns add} bind-mounted, usable with setns(2). */
        public String file() {
            return "/run/netns/" + name;
        }

        @Override
        public String describe() {
            return "netns " + name;
        }
    }

    /** A namespace file. */
    record Path(String path) implements Netns {
        public Path {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("network namespace path must be absolute: '" + path + "'");
            }
        }

        @Override
        public String describe() {
            return "netns " + path;
        }
    }
}
