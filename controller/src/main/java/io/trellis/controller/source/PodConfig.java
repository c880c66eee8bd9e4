package io.trellis.controller.source;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

/**
 * A {@code v1 Pod}: only what the mesh needs.
 *
 * @param serviceAccount {@code spec.serviceAccountName}, {@code default} when absent
 * @param nodeName       {@code spec.nodeName}, {@code ""} while unscheduled
 * @param podIps         {@code status.podIPs} (or {@code status.podIP}); empty while not running
 * @param ready          {@code status.phase == Running} (or no status at all, as in hand-written local config)
 * @param namedPorts     container port names to numbers, for Services whose targetPort is a name
 */
public record PodConfig(ObjectMeta meta, String serviceAccount, String nodeName, List<InetAddress> podIps,
                        boolean ready, Map<String, Integer> namedPorts) implements ConfigObject {

    public PodConfig {
        podIps = List.copyOf(podIps);
        namedPorts = Map.copyOf(namedPorts);
    }

    @Override
    public String kind() {
        return "Pod";
    }
}
