package io.trellis.node.state;

/** A service port and the workload port it is forwarded to. */
public record PortMapping(int servicePort, int targetPort) {}
