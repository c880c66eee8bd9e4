package io.trellis.node;

/** How a node-proxy finds the workloads it serves and where their listeners live. */
public enum NodeMode {
    /**
     * Kubernetes nodes and the lab: the node agent enrols each pod through the enrollment socket and the listeners
     * (15001, 15006, 15008) are opened inside the pod's network namespace, where capture rules send its traffic.
     */
    INPOD,
    /**
     * A laptop or CI host without root: the workloads the controller places on this node with a loopback pod IP are
     * served on that address (HBONE on 15008, a SOCKS5 entry per workload); nothing is captured, apps opt in through
     * SOCKS5.
     */
    LOOPBACK
}
