package io.trellis.install.lab;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What exists of a lab right now.
 *
 * @param spec what the state file says was built, null when there is no state file (never built,
 *     or torn down, or a crash before it was written)
 * @param namespaces lab namespaces that exist, by name
 * @param hostLinks interfaces in the host namespace carrying the prefix (normally none)
 * @param processes processes recorded in the state file
 */
public record LabStatus(String prefix, @Nullable LabSpec spec, List<String> namespaces, List<String> hostLinks,
        List<ProcessInfo> processes) {

    public LabStatus {
        namespaces = List.copyOf(namespaces);
        hostLinks = List.copyOf(hostLinks);
        processes = List.copyOf(processes);
    }

    /** A recorded process and whether it still runs. */
    public record ProcessInfo(String name, String netns, long pid, String log, List<String> command, boolean alive) {
        public ProcessInfo {
            command = List.copyOf(command);
        }
    }

    /** True when nothing of the lab is left. */
    public boolean empty() {
        return spec == null && namespaces.isEmpty() && hostLinks.isEmpty() && processes.isEmpty();
    }
}
