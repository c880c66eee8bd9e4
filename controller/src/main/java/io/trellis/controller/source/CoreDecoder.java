package io.trellis.controller.source;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Decodes the core ({@code v1}) kinds. */
final class CoreDecoder {

    private CoreDecoder() {}

    static NamespaceConfig namespace(Fields doc) {
        return new NamespaceConfig(MetaDecoder.decode(doc, false, true));
    }

    static ServiceAccountConfig serviceAccount(Fields doc) {
        return new ServiceAccountConfig(MetaDecoder.decode(doc, true, false));
    }

    static PodConfig pod(Fields doc) {
        ObjectMeta meta = MetaDecoder.decode(doc, true, false);
        Fields spec = doc.requiredObject("spec");
        String serviceAccount = spec.string("serviceAccountName", spec.string("serviceAccount", "default"));
        String node = spec.string("nodeName", "");
        Map<String, Integer> namedPorts = new HashMap<>();
        spec.objects("containers", c -> {
            c.objects("ports", p -> {
                int number = p.integer("containerPort", 1, 65535);
                if (p.has("name")) {
                    namedPorts.put(p.string("name"), number);
                }
                return number;
            });
            return c;
        });
        Fields status = doc.object("status");
        List<InetAddress> ips = new ArrayList<>();
        boolean ready = true;
        if (status != null) {
            ips.addAll(status.objects("podIPs", ip -> Fields.ip(ip.string("ip"), ip.field("ip"))));
            if (ips.isEmpty() && status.has("podIP")) {
                ips.add(Fields.ip(status.string("podIP"), status.field("podIP")));
            }
            ready = status.string("phase", "Running").equals("Running");
        }
        return new PodConfig(meta, serviceAccount, node, ips, ready, namedPorts);
    }

    static ServiceConfig service(Fields doc) {
        ObjectMeta meta = MetaDecoder.decode(doc, true, true);
        Fields spec = doc.requiredObject("spec");
        List<InetAddress> vips = new ArrayList<>();
        if (spec.has("clusterIPs")) {
            for (String ip : spec.strings("clusterIPs")) {
                if (!ip.equals("None")) {
                    vips.add(Fields.ip(ip, spec.field("clusterIPs")));
                }
            }
        } else if (spec.has("clusterIP") && !spec.string("clusterIP").equals("None")) {
            vips.add(Fields.ip(spec.string("clusterIP"), spec.field("clusterIP")));
        }
        List<ServiceConfig.Port> ports = spec.objects("ports", CoreDecoder::servicePort);
        if (ports.isEmpty()) {
            throw new InvalidResourceException(spec.field("ports"), "must list at least one port");
        }
        return new ServiceConfig(meta, spec.stringMap("selector"), vips, ports);
    }

    private static ServiceConfig.Port servicePort(Fields p) {
        int port = p.integer("port", 1, 65535);
        String protocol = p.string("protocol", "TCP");
        if (!protocol.equals("TCP")) {
            throw new InvalidResourceException(p.field("protocol"), "only TCP is supported, got '" + protocol + "'");
        }
        int target = 0;
        String targetName = "";
        if (p.has("targetPort")) {
            String text = p.string("targetPort");
            if (text.chars().allMatch(Character::isDigit)) {
                target = Fields.port(new com.fasterxml.jackson.databind.node.TextNode(text), p.field("targetPort"));
            } else {
                targetName = text;
            }
        }
        return new ServiceConfig.Port(p.string("name", ""), port, target, targetName, p.string("appProtocol", ""));
    }
}
