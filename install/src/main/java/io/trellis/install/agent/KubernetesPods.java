package io.trellis.install.agent;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The pods of this node from the API server: informers on the pods with {@code spec.nodeName=<node>} and on
 * namespaces (for their enrollment label). Looks pods up for CNI ADD (cache first, then a GET: a pod that was
 * just scheduled may not be in the cache yet) and lists them for reconciliation; calls {@code onChange} after
 * every event so the agent can reconcile.
 */
public final class KubernetesPods implements PodDirectory, AutoCloseable {

    private final KubernetesClient client;
    private final String nodeName;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Namespace> namespaces;

    public KubernetesPods(KubernetesClient client, String nodeName, Runnable onChange) {
        this(client, nodeName, onChange, true);
    }

    /** @param serverSideFilter false only for API test doubles that do not implement field selectors */
    KubernetesPods(KubernetesClient client, String nodeName, Runnable onChange, boolean serverSideFilter) {
        this.client = client;
        this.nodeName = nodeName;
        ResourceEventHandler<Object> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object obj) {
                onChange.run();
            }

            @Override
            public void onUpdate(Object oldObj, Object newObj) {
                onChange.run();
            }

            @Override
            public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
                onChange.run();
            }
        };
        this.namespaces = client.namespaces().inform(cast(handler), 0);
        this.pods = serverSideFilter
                ? client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).inform(cast(handler), 0)
                : client.pods().inAnyNamespace().inform(cast(handler), 0);
    }

    @SuppressWarnings("unchecked")
    private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> h) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
    }

    public boolean synced() {
        return pods.hasSynced() && namespaces.hasSynced();
    }

    @Override
    public Optional<PodFacts> pod(String namespace, String name) throws AgentException {
        Pod pod = pods.getStore().getByKey(namespace + "/" + name);
        try {
            if (pod == null) {
                pod = client.pods().inNamespace(namespace).withName(name).get();
            }
            return pod == null ? Optional.empty() : Optional.of(facts(pod));
        } catch (KubernetesClientException e) {
            throw new AgentException("cannot read pod " + namespace + "/" + name + " from the API server: "
                    + e.getMessage(), e);
        }
    }

    /** Every pod of this node now in the cache. */
    public List<PodFacts> all() throws AgentException {
        List<PodFacts> out = new ArrayList<>();
        for (Pod p : pods.getStore().list()) {
            // the field selector already does this on a real API server; checked again so that a server (or
            // test double) that ignores it cannot make the agent enroll another node's pods
            if (p.getSpec() != null && nodeName.equals(p.getSpec().getNodeName())) {
                out.add(facts(p));
            }
        }
        return out;
    }

    private PodFacts facts(Pod pod) throws AgentException {
        String ns = pod.getMetadata().getNamespace();
        Namespace namespace = namespaces.getStore().getByKey(ns);
        if (namespace == null) {
            try {
                namespace = client.namespaces().withName(ns).get();
            } catch (KubernetesClientException e) {
                throw new AgentException("cannot read namespace " + ns + ": " + e.getMessage(), e);
            }
        }
        Map<String, String> nsLabels = namespace == null || namespace.getMetadata().getLabels() == null ? Map.of()
                : namespace.getMetadata().getLabels();
        List<InetAddress> ips = new ArrayList<>();
        if (pod.getStatus() != null && pod.getStatus().getPodIPs() != null) {
            for (PodIP ip : pod.getStatus().getPodIPs()) {
                if (ip.getIp() != null) {
                    ips.add(InetAddress.ofLiteral(ip.getIp()));
                }
            }
        }
        var spec = pod.getSpec();
        return new PodFacts(Objects.requireNonNullElse(pod.getMetadata().getUid(), ""), pod.getMetadata().getName(), ns,
                spec.getServiceAccountName() == null ? "default" : spec.getServiceAccountName(),
                Objects.requireNonNullElse(spec.getNodeName(), ""), Boolean.TRUE.equals(spec.getHostNetwork()),
                pod.getMetadata().getLabels() == null ? Map.of() : pod.getMetadata().getLabels(), nsLabels, ips);
    }

    @Override
    public void close() {
        pods.close();
        namespaces.close();
    }
}
