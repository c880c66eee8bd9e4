package io.trellis.node.admin;

import io.trellis.identity.SpiffeId;
import io.trellis.node.identity.CertificateManager;
import io.trellis.node.xds.XdsStatus;
import io.trellis.proxy.core.admin.Readiness;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Ready once the first workload config is in (every xDS type received once) and every identity asked for has a
 * valid certificate. A later controller outage does not make the proxy unready: it keeps serving its last good
 * config, which is the point.
 */
public final class NodeReadiness implements Readiness {

    private final Supplier<XdsStatus> xds;
    private final CertificateManager certificates;

    public NodeReadiness(Supplier<XdsStatus> xds, CertificateManager certificates) {
        this.xds = xds;
        this.certificates = certificates;
    }

    @Override
    public @Nullable String notReadyReason() {
        XdsStatus s = xds.get();
        if (!s.synced()) {
            return "waiting for the first workload xDS update from the controller (stream " + s.state() + ")";
        }
        List<SpiffeId> pending = certificates.pending();
        if (!pending.isEmpty()) {
            return "waiting for certificates of " + pending;
        }
        return null;
    }
}
