package io.trellis.install.agent;

import java.util.List;
import java.util.Map;

/**
 * What Trellis rules a pod namespace holds right now.
 *
 * @param backends per address family, the iptables flavour holding Trellis rules (families without
 *     any are absent)
 * @param listing every Trellis rule as {@code family table: rule}, jumps included, in the order of
 *     {@link CaptureRuleSet#expectedListing()}
 * @param complete true when the listing is exactly the expected rule set of every family the
 *     namespace supports
 */
public record CaptureStatus(Map<IpFamily, IptablesBackend> backends, List<String> listing, boolean complete) {

    public CaptureStatus {
        backends = Map.copyOf(backends);
        listing = List.copyOf(listing);
    }

    /** True when the namespace holds no Trellis chain and no jump to one. */
    public boolean absent() {
        return listing.isEmpty();
    }
}
