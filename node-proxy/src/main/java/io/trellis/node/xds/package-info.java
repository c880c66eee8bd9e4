/**
 * The workload xDS client: a delta stream to the controller that validates every resource into
 * {@link io.trellis.node.state} records at the edge, ACKs or NACKs each response, publishes new
 * {@link io.trellis.node.state.MeshState} snapshots, and reconnects with jittered backoff while the
 * last good state keeps serving.
 */
@NullMarked
package io.trellis.node.xds;

import org.jspecify.annotations.NullMarked;
