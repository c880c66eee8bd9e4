/**
 * Node-agent side of in-pod traffic capture: the iptables rule set that sends a pod's TCP to the
 * node-proxy's listeners inside the pod's own network namespace, and the seam
 * ({@link io.trellis.install.agent.CommandRunner}) through which every OS command runs.
 *
 * <p>Used by the local lab and by the Kubernetes CNI node agent.
 */
@NullMarked
package io.trellis.install.agent;

import org.jspecify.annotations.NullMarked;
