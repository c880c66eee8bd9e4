package io.trellis.node.proxy;

import io.trellis.identity.SpiffeId;
import io.trellis.node.inpod.PodInfo;

/**
 * One enrolled pod as the traffic paths see it: its identity, how to leave from inside its network
 * namespace (its own HBONE pool, so tunnels carry its IP and die with it), and the budgets of its
 * inbound listeners.
 */
record PodTraffic(PodInfo info, SpiffeId identity, Egress egress, InboundGuards.Guard plaintextGuard,
        InboundGuards.Guard hboneGuard) {}
