package io.trellis.install.agent;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What Trellis rules a pod namespace holds right now.
 *
 * @param backend the iptables flavour holding them, null when there are none
 * @param listing every Trellis rule as {@code table: rule}, jumps included, in the order of
 *     {@link CaptureRuleSet#expectedListing()}
 * @param complete true when the listing is exactly the expected rule set
 */
public record CaptureStatus(@Nullable IptablesBackend backend, List<String> listing, boolean complete) {

    public CaptureStatus {
        listing = List.copyOf(listing);
    }

    /** True when the namespace holds no Trellis chain and no jump to one. */
    public boolean absent() {
        return listing.isEmpty();
    }
}
