package io.trellis.controller.waypoint;

import java.time.Duration;

/**
 * How the controller runs waypoints in Kubernetes mode.
 *
 * @param image             the waypoint container image (runs {@code io.trellis.waypoint.WaypointMain})
 * @param controllerAddress {@code host:port} the waypoint reaches the controller's TLS port at
 * @param leaseNamespace    where the leader-election Lease lives
 * @param leaseName         the Lease's name
 * @param holderIdentity    this replica's name in the Lease (the pod name in a cluster)
 * @param leaseDuration     how long a silent leader keeps the Lease
 */
public record WaypointSettings(String image, String controllerAddress, String leaseNamespace, String leaseName,
                               String holderIdentity, Duration leaseDuration) {

    public static final String DEFAULT_IMAGE = "trellis/waypoint:0.1.0";

    public WaypointSettings {
        if (image.isBlank() || controllerAddress.isBlank() || holderIdentity.isBlank()) {
            throw new IllegalArgumentException("waypoint image, controller address and lease holder must be set");
        }
        if (leaseDuration.compareTo(Duration.ofSeconds(2)) < 0) {
            throw new IllegalArgumentException("lease duration must be at least 2s, got " + leaseDuration);
        }
    }

    /** Renew deadline: two thirds of the lease, as client-go's defaults (15 s / 10 s / 2 s). */
    Duration renewDeadline() {
        return leaseDuration.multipliedBy(2).dividedBy(3);
    }

    Duration retryPeriod() {
        return leaseDuration.dividedBy(7);
    }
}
