package io.trellis.install.lab;

import java.util.List;

/**
 * What {@link LabManager#down} removed.
 *
 * @param namespaces lab namespaces deleted
 * @param stoppedPids processes stopped: recorded ones and any other found inside a lab namespace
 * @param hostLinks host interfaces with the prefix deleted (normally none)
 */
public record TeardownReport(String prefix, List<String> namespaces, List<Long> stoppedPids, List<String> hostLinks) {

    public TeardownReport {
        namespaces = List.copyOf(namespaces);
        stoppedPids = List.copyOf(stoppedPids);
        hostLinks = List.copyOf(hostLinks);
    }

    /** True when there was nothing to remove. */
    public boolean nothingRemoved() {
        return namespaces.isEmpty() && stoppedPids.isEmpty() && hostLinks.isEmpty();
    }
}
