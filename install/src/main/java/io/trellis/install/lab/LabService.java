package io.trellis.install.lab;

import java.util.List;
import java.util.Map;

/** A Service of a running lab with the cluster IP the {@link AddressPlan} gave it. */
public record LabService(String name, String namespace, String clusterIp, Map<String, String> selector,
        List<LabSpec.ServicePort> ports, Map<String, String> labels) {

    public LabService {
        selector = Map.copyOf(selector);
        ports = List.copyOf(ports);
        labels = Map.copyOf(labels);
    }
}
