/**
 * Workload certificates of the node-proxy: one per local service account, obtained from the
 * controller's CA, coalesced per identity, prefetched on enrollment and renewed at half their
 * lifetime.
 */
@NullMarked
package io.trellis.node.identity;

import org.jspecify.annotations.NullMarked;
