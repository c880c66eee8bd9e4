package io.trellis.controller.source;

import java.util.regex.Pattern;

/** Decodes {@code metadata} and checks names the way the Kubernetes API server would. */
final class MetaDecoder {

    /** RFC 1123 label: what namespaces, service names and label values of DNS names must be. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** RFC 1123 subdomain: pod, gateway and route names. */
    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private MetaDecoder() {}

    /**
     * @param namespaced  whether the kind lives in a namespace
     * @param dnsLabelName whether the name must be a DNS label (Namespace, Service) rather than a subdomain
     */
    static ObjectMeta decode(Fields doc, boolean namespaced, boolean dnsLabelName) {
        Fields meta = doc.requiredObject("metadata");
        String name = meta.string("name");
        if (!(dnsLabelName ? DNS_LABEL : DNS_SUBDOMAIN).matcher(name).matches()) {
            throw new InvalidResourceException(meta.field("name"), "must be a lowercase RFC 1123 "
                    + (dnsLabelName ? "label" : "subdomain") + ", got '" + name + "'");
        }
        String namespace = "";
        if (namespaced) {
            namespace = meta.string("namespace", "default");
            if (!DNS_LABEL.matcher(namespace).matches()) {
                throw new InvalidResourceException(meta.field("namespace"),
                        "must be a lowercase RFC 1123 label, got '" + namespace + "'");
            }
        }
        return new ObjectMeta(name, namespace, meta.stringMap("labels"));
    }
}
