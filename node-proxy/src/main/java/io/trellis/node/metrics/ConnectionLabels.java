package io.trellis.node.metrics;

import io.trellis.identity.SpiffeId;
import io.trellis.node.state.ServiceInfo;
import io.trellis.node.state.WorkloadInfo;
import org.jspecify.annotations.Nullable;

/**
 * Istio's label set of the {@code istio_tcp_*} metrics for one connection. Unknown values are {@code unknown}, as in
 * Istio. {@code *_workload} is the pod name (the workload xDS API carries no owner such as a Deployment);
 * {@code *_app}/{@code *_version} mirror the canonical service and revision.
 */
public record ConnectionLabels(String reporter, String sourceWorkload, String sourceWorkloadNamespace,
                               String sourcePrincipal, String sourceApp, String sourceVersion,
                               String sourceCanonicalService, String sourceCanonicalRevision,
                               String destinationWorkload, String destinationWorkloadNamespace,
                               String destinationPrincipal, String destinationApp, String destinationVersion,
                               String destinationService, String destinationServiceName,
                               String destinationServiceNamespace, String destinationCanonicalService,
                               String destinationCanonicalRevision, String requestProtocol,
                               String connectionSecurityPolicy, String responseFlags) {

    static final String UNKNOWN = "unknown";

    /**
     * Labels from what the traffic path knows; any part may be null when it is not known (a client outside the
     * mesh, passthrough to an address the mesh does not know, plaintext).
     *
     * @param mutualTls whether the connection is carried over mutual TLS (HBONE)
     */
    public static ConnectionLabels of(Reporter reporter, @Nullable WorkloadInfo source, @Nullable SpiffeId sourcePrincipal,
                                      @Nullable WorkloadInfo destination, @Nullable SpiffeId destinationPrincipal,
                                      @Nullable ServiceInfo service, boolean mutualTls, ResponseFlag flag) {
        return new ConnectionLabels(reporter.label(),
                source == null ? UNKNOWN : source.name(),
                source == null ? UNKNOWN : source.namespace(),
                sourcePrincipal == null ? UNKNOWN : sourcePrincipal.uri(),
                source == null ? UNKNOWN : source.canonicalName(),
                source == null ? UNKNOWN : source.canonicalRevision(),
                source == null ? UNKNOWN : source.canonicalName(),
                source == null ? UNKNOWN : source.canonicalRevision(),
                destination == null ? UNKNOWN : destination.name(),
                destination == null ? UNKNOWN : destination.namespace(),
                destinationPrincipal == null ? UNKNOWN : destinationPrincipal.uri(),
                destination == null ? UNKNOWN : destination.canonicalName(),
                destination == null ? UNKNOWN : destination.canonicalRevision(),
                service == null ? UNKNOWN : service.hostname(),
                service == null ? UNKNOWN : service.name(),
                service == null ? UNKNOWN : service.namespace(),
                destination == null ? UNKNOWN : destination.canonicalName(),
                destination == null ? UNKNOWN : destination.canonicalRevision(),
                "tcp", mutualTls ? "mutual_tls" : "none", flag.label());
    }

    /** The same labels with another {@code response_flags}. */
    public ConnectionLabels withResponseFlag(ResponseFlag flag) {
        return new ConnectionLabels(reporter, sourceWorkload, sourceWorkloadNamespace, sourcePrincipal, sourceApp,
                sourceVersion, sourceCanonicalService, sourceCanonicalRevision, destinationWorkload,
                destinationWorkloadNamespace, destinationPrincipal, destinationApp, destinationVersion,
                destinationService, destinationServiceName, destinationServiceNamespace,
                destinationCanonicalService, destinationCanonicalRevision, requestProtocol, connectionSecurityPolicy,
                flag.label());
    }

    /** As Micrometer tags, Istio's label names. */
    io.micrometer.core.instrument.Tags tags() {
        return io.micrometer.core.instrument.Tags.of(
                "reporter", reporter,
                "source_workload", sourceWorkload,
                "source_workload_namespace", sourceWorkloadNamespace,
                "source_principal", sourcePrincipal,
                "source_app", sourceApp,
                "source_version", sourceVersion,
                "source_canonical_service", sourceCanonicalService,
                "source_canonical_revision", sourceCanonicalRevision,
                "destination_workload", destinationWorkload,
                "destination_workload_namespace", destinationWorkloadNamespace,
                "destination_principal", destinationPrincipal,
                "destination_app", destinationApp,
                "destination_version", destinationVersion,
                "destination_service", destinationService,
                "destination_service_name", destinationServiceName,
                "destination_service_namespace", destinationServiceNamespace,
                "destination_canonical_service", destinationCanonicalService,
                "destination_canonical_revision", destinationCanonicalRevision,
                "request_protocol", requestProtocol,
                "connection_security_policy", connectionSecurityPolicy,
                "response_flags", responseFlags);
    }
}
