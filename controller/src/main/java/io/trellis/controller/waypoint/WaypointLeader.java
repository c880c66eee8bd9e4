package io.trellis.controller.waypoint;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link WaypointDeployer} only while this replica holds the Lease {@code settings.leaseName()}: waypoint
 * Deployments and Gateway status need one writer (two replicas would fight over status and apply with stale
 * views). xDS serving and the CA need no leader and run on every replica. Losing the lease stops the deployer
 * and goes back to contending for it.
 */
public final class WaypointLeader implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WaypointLeader.class);

    private final KubernetesClient client;
    private final WaypointSettings settings;
    private final WaypointDeployer deployer;
    private final Executor executor;
    private volatile boolean leading;
    private volatile boolean closed;
    private @Nullable CompletableFuture<?> election;

    public WaypointLeader(KubernetesClient client, WaypointSettings settings, WaypointDeployer deployer,
                          Executor executor) {
        this.client = client;
        this.settings = settings;
        this.deployer = deployer;
        this.executor = executor;
    }

    public synchronized void start() {
        if (closed) {
            return;
        }
        LeaderElector elector = new LeaderElector(client, new LeaderElectionConfigBuilder()
                .withName("trellis-waypoints")
                .withLock(new LeaseLock(settings.leaseNamespace(), settings.leaseName(), settings.holderIdentity()))
                .withLeaseDuration(settings.leaseDuration())
                .withRenewDeadline(settings.renewDeadline())
                .withRetryPeriod(settings.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::startLeading, this::stopLeading,
                        leader -> LOG.info("event=waypoint_leader leader={} self={}", leader,
                                settings.holderIdentity())))
                .build(), executor);
        CompletableFuture<?> f = elector.start();
        election = f;
        // the elector's future ends when leadership is lost or renewal fails: contend again
        f.whenComplete((ok, error) -> {
            if (!closed && !f.isCancelled()) {
                start();
            }
        });
    }

    private void startLeading() {
        leading = true;
        LOG.info("event=waypoint_leading lease={}/{} holder={}", settings.leaseNamespace(), settings.leaseName(),
                settings.holderIdentity());
        deployer.start();
    }

    private void stopLeading() {
        leading = false;
        LOG.info("event=waypoint_not_leading holder={}", settings.holderIdentity());
        deployer.close();
    }

    /** Whether this replica currently runs the waypoint deployer. */
    public boolean leading() {
        return leading;
    }

    /** Stops contending; a held lease is released so another replica takes over at once. */
    @Override
    public synchronized void close() {
        closed = true;
        if (election != null) {
            election.cancel(true);
        }
        deployer.close();
    }
}
