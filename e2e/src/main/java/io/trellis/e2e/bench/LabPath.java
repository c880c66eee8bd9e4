package io.trellis.e2e.bench;

import java.util.List;

/**
 * One way from a client pod to a server in the benchmark lab.
 *
 * @param name short name used in the report ({@code direct}, {@code pair}, {@code waypoint}, {@code haproxy},
 *     {@code haproxy-pair})
 * @param client the pod the load generator runs in
 * @param host the address it connects to (a pod IP or a Service VIP)
 * @param port the port it connects to
 * @param sinkPort where the same client reaches the throughput sink ({@link LabSinkMain}) over this path at
 *     {@code host}, 0 when the path is not measured for single-stream throughput
 * @param proxies the proxies the requests cross, as named in {@link LabMeter}
 * @param description for the report
 */
record LabPath(String name, String client, String host, int port, int sinkPort, List<String> proxies,
        String description) {

    LabPath {
        proxies = List.copyOf(proxies);
    }
}
