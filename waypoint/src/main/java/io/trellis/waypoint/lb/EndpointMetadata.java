package io.trellis.waypoint.lb;

import io.trellis.identity.SpiffeId;
import org.jspecify.annotations.Nullable;

/**
 * Who runs behind one endpoint, as the control plane describes it in
 * {@code LbEndpoint.metadata.filter_metadata["trellis"]} (the counterpart of Istio's {@code istio}
 * endpoint metadata). The waypoint labels metrics and access-log lines with it and checks the
 * endpoint's HBONE certificate against {@link #identity}.
 *
 * @param identity the SPIFFE id the endpoint's HBONE server must present, or null to use the
 *     cluster's identity
 * @param workload the workload (pod) name, or {@value #UNKNOWN}
 * @param namespace the workload's namespace, or {@value #UNKNOWN}
 * @param app its canonical service ({@code app.kubernetes.io/name} or {@code app}), or {@value #UNKNOWN}
 * @param version its canonical revision ({@code app.kubernetes.io/version} or {@code version}), or {@value #UNKNOWN}
 */
public record EndpointMetadata(@Nullable SpiffeId identity, String workload, String namespace, String app,
    String version) {

  /** Istio's value for a label nobody knows. */
  public static final String UNKNOWN = "unknown";

  /** Nothing known: the cluster's identity applies, every label is {@value #UNKNOWN}. */
  public static final EndpointMetadata NONE = new EndpointMetadata(null, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);

  /** Empty strings become {@value #UNKNOWN}, so a label is never blank. */
  public EndpointMetadata {
    workload = orUnknown(workload);
    namespace = orUnknown(namespace);
    app = orUnknown(app);
    version = orUnknown(version);
  }

  /** Only an identity, with unknown workload labels. */
  public static EndpointMetadata identityOnly(SpiffeId identity) {
    return new EndpointMetadata(identity, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);
  }

  private static String orUnknown(String value) {
    return value.isEmpty() ? UNKNOWN : value;
  }
}
