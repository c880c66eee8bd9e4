/**
 * In-pod plumbing of the node-proxy: pod network namespaces, per-pod listeners opened
 * inside them, the enrollment protocol with the node agent and the pod registry.
 * Native calls live in {@code io.trellis.node.inpod.linux}; this package only sees the
 * {@link io.trellis.node.inpod.NetnsOps}, {@link io.trellis.node.inpod.SocketOptions} and
 * {@link io.trellis.node.inpod.SeqpacketSockets} seams.
 */
@NullMarked
package io.trellis.node.inpod;

import org.jspecify.annotations.NullMarked;
