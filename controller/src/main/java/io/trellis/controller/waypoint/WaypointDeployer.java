package io.trellis.controller.waypoint;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.trellis.controller.model.MeshSettings;
import io.trellis.controller.source.KubernetesKinds;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the waypoints of a cluster: for each Gateway of class {@code trellis-waypoint} it keeps a ServiceAccount,
 * a Service (port 15008) and a Deployment named after the Gateway (create, else replace the fields it decides
 * when they differ; owned by the Gateway), sets the Gateway's status ({@code Accepted},
 * {@code Programmed} and {@code status.addresses} = the Service's cluster IP, which is what the model reads as
 * the waypoint's address) and deletes the objects when the Gateway goes or changes class.
 *
 * <p>A single writer: run it only while holding the lease ({@link WaypointLeader}). Every reconcile runs on
 * {@code executor}, one at a time. An object of the same name that this Gateway does not own is never
 * overwritten; the Gateway then reports {@code Programmed=False, reason=NameConflict}.
 */
public final class WaypointDeployer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WaypointDeployer.class);

    private final KubernetesClient client;
    private final WaypointSettings settings;
    private final MeshSettings mesh;
    private final String rootPem;
    private final ScheduledExecutorService executor;
    private final CustomResourceDefinitionContext gatewayKind = KubernetesKinds.ALL.stream()
            .filter(k -> k.getKind().equals("Gateway")).findFirst().orElseThrow();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private @Nullable SharedIndexInformer<GenericKubernetesResource> gateways;

    /**
     * @param rootPem the mesh root certificate(s) as PEM: each waypoint verifies the controller against it
     */
    public WaypointDeployer(KubernetesClient client, WaypointSettings settings, MeshSettings mesh, String rootPem,
                            ScheduledExecutorService executor) {
        if (!rootPem.contains("BEGIN CERTIFICATE")) {
            throw new IllegalArgumentException("the waypoint deployer needs the mesh root certificate as PEM");
        }
        this.client = client;
        this.settings = settings;
        this.mesh = mesh;
        this.rootPem = rootPem;
        this.executor = executor;
    }

    /** Starts watching Gateways and the Services it manages (a cluster IP appearing updates the status). */
    public synchronized void start() {
        SharedIndexInformer<GenericKubernetesResource> gw = client.genericKubernetesResources(gatewayKind)
                .inAnyNamespace().inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(GenericKubernetesResource obj) {
                        executor.execute(() -> reconcile(obj));
                    }

                    @Override
                    public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                        executor.execute(() -> reconcile(newObj));
                    }

                    @Override
                    public void onDelete(GenericKubernetesResource obj, boolean unknownFinalState) {
                        executor.execute(() -> remove(obj));
                    }
                }, 0);
        gateways = gw;
        informers.add(gw);
        informers.add(client.services().inAnyNamespace()
                .withLabel("app.kubernetes.io/managed-by", WaypointObjects.MANAGED_BY)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Service obj) {
                        executor.execute(() -> reconcileGatewayOf(obj));
                    }

                    @Override
                    public void onUpdate(Service oldObj, Service newObj) {
                        executor.execute(() -> reconcileGatewayOf(newObj));
                    }

                    @Override
                    public void onDelete(Service obj, boolean unknownFinalState) {
                        executor.execute(() -> reconcileGatewayOf(obj));
                    }
                }, 0));
        LOG.info("event=waypoint_deployer_started image={}", settings.image());
    }

    private void reconcileGatewayOf(Service svc) {
        SharedIndexInformer<GenericKubernetesResource> gw = gateways;
        if (gw == null) {
            return;
        }
        GenericKubernetesResource owner = gw.getStore().getByKey(svc.getMetadata().getNamespace() + "/"
                + svc.getMetadata().getName());
        if (owner != null) {
            reconcile(owner);
        }
    }

    /** Brings one Gateway's objects and status in line with it. Never throws. */
    void reconcile(GenericKubernetesResource gw) {
        String key = gw.getMetadata().getNamespace() + "/" + gw.getMetadata().getName();
        try {
            if (!WaypointObjects.isWaypoint(gw)) {
                remove(gw);
                return;
            }
            for (HasMetadata desired : WaypointObjects.all(gw, settings, mesh, rootPem)) {
                HasMetadata existing = client.resource(desired).get();
                if (existing != null && !ownedBy(existing, gw)) {
                    LOG.warn("event=waypoint_name_conflict gateway={} object={}/{} problem=\"an object of this name "
                                    + "exists and is not owned by the Gateway; rename or delete it\"", key,
                            desired.getKind(), desired.getMetadata().getName());
                    writeStatus(gw, null, "NameConflict", desired.getKind() + " " + desired.getMetadata().getName()
                            + " exists and is not owned by this Gateway");
                    return;
                }
                if (existing == null) {
                    client.resource(desired).create();
                    LOG.info("event=waypoint_object_created gateway={} object={}/{}", key, desired.getKind(),
                            desired.getMetadata().getName());
                } else {
                    HasMetadata merged = merged(existing, desired);
                    if (merged != null) {
                        client.resource(merged).update();
                        LOG.info("event=waypoint_object_updated gateway={} object={}/{}", key, desired.getKind(),
                                desired.getMetadata().getName());
                    }
                }
            }
            Service svc = client.services().inNamespace(gw.getMetadata().getNamespace())
                    .withName(gw.getMetadata().getName()).get();
            String ip = svc == null || svc.getSpec() == null ? null : svc.getSpec().getClusterIP();
            boolean hasIp = ip != null && !ip.isEmpty() && !ip.equals("None");
            writeStatus(gw, hasIp ? ip : null, hasIp ? "Programmed" : "AddressNotAssigned",
                    hasIp ? "waypoint Deployment and Service applied" : "waiting for the Service's cluster IP");
        } catch (KubernetesClientException e) {
            LOG.warn("event=waypoint_reconcile_failed gateway={} code={} problem=\"{}\" (retried on the next change)",
                    key, e.getCode(), e.getMessage());
        }
    }

    /**
     * {@code existing} with the fields this controller decides taken from {@code desired} (labels, owner, and
     * the Service's type/selector/ports or the Deployment's whole spec), keeping what the API server or others
     * set (the Service's cluster IP, resourceVersion); null when nothing differs.
     */
    private @Nullable HasMetadata merged(HasMetadata existing, HasMetadata desired) {
        HasMetadata m = client.getKubernetesSerialization().clone(existing);
        m.getMetadata().setLabels(desired.getMetadata().getLabels());
        m.getMetadata().setOwnerReferences(desired.getMetadata().getOwnerReferences());
        if (m instanceof Service svc && desired instanceof Service want) {
            svc.getSpec().setType(want.getSpec().getType());
            svc.getSpec().setSelector(want.getSpec().getSelector());
            svc.getSpec().setPorts(want.getSpec().getPorts());
        } else if (m instanceof Deployment d && desired instanceof Deployment want) {
            d.setSpec(want.getSpec());
        } else if (m instanceof ConfigMap c && desired instanceof ConfigMap want) {
            c.setData(want.getData());
        }
        return m.equals(existing) ? null : m;
    }

    private static boolean ownedBy(HasMetadata o, GenericKubernetesResource gw) {
        return o.getMetadata().getOwnerReferences() != null && o.getMetadata().getOwnerReferences().stream()
                .anyMatch(r -> Objects.equals(r.getUid(), gw.getMetadata().getUid()));
    }

    /** Writes status only when it differs from what the Gateway shows (a status write is itself an update). */
    private void writeStatus(GenericKubernetesResource gw, @Nullable String address, String reason, String message) {
        boolean programmed = reason.equals("Programmed");
        List<Map<String, Object>> conditions = List.of(
                condition(gw, "Accepted", true, "Accepted", "gateway class trellis-waypoint"),
                condition(gw, "Programmed", programmed, reason, message));
        List<Map<String, Object>> addresses = address == null ? List.of()
                : List.of(Map.of("type", "IPAddress", "value", address));
        if (sameStatus(gw, conditions, addresses)) {
            return;
        }
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("conditions", conditions);
        if (!addresses.isEmpty()) {
            status.put("addresses", addresses);
        }
        GenericKubernetesResource copy = client.getKubernetesSerialization().clone(gw);
        copy.setAdditionalProperty("status", status);
        client.genericKubernetesResources(gatewayKind).inNamespace(gw.getMetadata().getNamespace())
                .resource(copy).updateStatus();
        LOG.info("event=waypoint_status gateway={}/{} programmed={} reason={} address={}",
                gw.getMetadata().getNamespace(), gw.getMetadata().getName(), programmed, reason, address);
    }

    private static Map<String, Object> condition(GenericKubernetesResource gw, String type, boolean ok,
                                                 String reason, String message) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("type", type);
        c.put("status", ok ? "True" : "False");
        c.put("reason", reason);
        c.put("message", message);
        c.put("lastTransitionTime", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        if (gw.getMetadata().getGeneration() != null) {
            c.put("observedGeneration", gw.getMetadata().getGeneration());
        }
        return c;
    }

    private static boolean sameStatus(GenericKubernetesResource gw, List<Map<String, Object>> conditions,
                                      List<Map<String, Object>> addresses) {
        if (!(gw.getAdditionalProperties().get("status") instanceof Map<?, ?> status)) {
            return false;
        }
        Object have = status.get("addresses");
        List<?> haveAddresses = have instanceof List<?> l ? l : List.of();
        if (!haveAddresses.equals(addresses)) {
            return false;
        }
        if (!(status.get("conditions") instanceof List<?> haveConditions)
                || haveConditions.size() != conditions.size()) {
            return false;
        }
        for (int i = 0; i < conditions.size(); i++) {
            if (!(haveConditions.get(i) instanceof Map<?, ?> h)) {
                return false;
            }
            for (String field : List.of("type", "status", "reason", "message", "observedGeneration")) {
                if (!Objects.equals(String.valueOf(h.get(field)), String.valueOf(conditions.get(i).get(field)))) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Deletes the objects this Gateway owns (Kubernetes would garbage collect them through the owner
     * reference; deleting them here also covers a Gateway that only changed class).
     */
    private void remove(GenericKubernetesResource gw) {
        String ns = gw.getMetadata().getNamespace();
        String name = gw.getMetadata().getName();
        try {
            for (HasMetadata o : new HasMetadata[] {
                    client.apps().deployments().inNamespace(ns).withName(name).get(),
                    client.services().inNamespace(ns).withName(name).get(),
                    client.serviceAccounts().inNamespace(ns).withName(name).get(),
                    client.configMaps().inNamespace(ns).withName(WaypointObjects.caRootName(gw)).get()}) {
                if (o != null && ownedBy(o, gw)) {
                    client.resource(o).delete();
                    LOG.info("event=waypoint_object_deleted gateway={}/{} object={}/{}", ns, name, o.getKind(),
                            o.getMetadata().getName());
                }
            }
        } catch (KubernetesClientException e) {
            LOG.warn("event=waypoint_delete_failed gateway={}/{} code={} problem=\"{}\"", ns, name, e.getCode(),
                    e.getMessage());
        }
    }

    /** Stops watching; the objects stay (the next leader takes over). */
    @Override
    public synchronized void close() {
        informers.forEach(SharedIndexInformer::close);
        informers.clear();
        gateways = null;
        LOG.info("event=waypoint_deployer_stopped");
    }
}
