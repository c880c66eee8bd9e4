package io.trellis.e2e.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pid of the JVM behind a lab process: the lab may start it through a wrapper ({@code ip netns exec}) that
 * either execs it (same pid) or forks it (a child), and /proc readings must be of the JVM itself.
 */
final class JavaPid {

    private JavaPid() {
    }

    static long of(long pid) throws IOException {
        return named(pid, "java");
    }

    /** As {@link #of}, for a process whose command name is {@code comm} (say, {@code haproxy}). */
    static long named(long pid, String comm) throws IOException {
        long current = pid;
        for (int depth = 0; depth < 4; depth++) {
            String name = Files.readString(Path.of("/proc", String.valueOf(current), "comm")).trim();
            if (name.equals(comm)) {
                return current;
            }
            Path children = Path.of("/proc", String.valueOf(current), "task", String.valueOf(current), "children");
            String list = Files.exists(children) ? Files.readString(children).trim() : "";
            if (list.isEmpty()) {
                break;
            }
            current = Long.parseLong(list.split(" ")[0]);
        }
        throw new IOException("process " + pid + " is not " + comm + " and has no " + comm + " child");
    }
}
