/**
 * The node-proxy's view of the mesh: validated, immutable records of workloads, services and L4
 * authorization policies, indexed into one {@link io.trellis.node.state.MeshState} snapshot that
 * {@link io.trellis.node.state.MeshStore} publishes with a single volatile write. Event loops read
 * snapshots and never lock.
 */
@NullMarked
package io.trellis.node.state;

import org.jspecify.annotations.NullMarked;
