package io.trellis.node.state;

/**
 * One port of a service.
 *
 * @param targetPort  the workload port when the workload lists no mapping of its own (never 0: "same as port"
 *                    is resolved at validation)
 * @param appProtocol Kubernetes appProtocol, empty if unknown
 */
public record ServicePort(int port, int targetPort, String appProtocol, String name) {}
