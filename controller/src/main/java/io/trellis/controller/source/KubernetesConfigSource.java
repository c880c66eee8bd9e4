package io.trellis.controller.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode: informers on every kind the mesh uses. Each object is decoded by the same decoders as
 * the YAML directory (so both sources give the same model); an invalid one is logged, left out, and, for the
 * project's own kinds, marked with a status condition {@code Accepted=False} naming the field.
 */
public final class KubernetesConfigSource implements ConfigSource {

    private static final Logger LOG = LoggerFactory.getLogger(KubernetesConfigSource.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final Duration debounce;
    private final ScheduledExecutorService executor;
    /** Decoded objects (or their problems) by {@code Kind/namespace/name}. */
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();
    private @Nullable Consumer<ConfigSnapshot> listener;
    private boolean scheduled;
    private @Nullable ConfigSnapshot last;

    private record Entry(@Nullable ConfigObject object, @Nullable ConfigProblem problem) {}

    /**
     * @param executor single-threaded: snapshots are built and published on it
     */
    public KubernetesConfigSource(KubernetesClient client, Duration debounce, ScheduledExecutorService executor) {
        this.client = client;
        this.debounce = debounce;
        this.executor = executor;
    }

    @Override
    public void start(Consumer<ConfigSnapshot> listener) {
        this.listener = listener;
        for (CustomResourceDefinitionContext kind : KubernetesKinds.ALL) {
            try {
                informers.add(client.genericKubernetesResources(kind).inAnyNamespace().inform(handler(kind), 0));
            } catch (KubernetesClientException e) {
                // e.g. the Gateway API CRDs are not installed: the rest of the mesh still works
                LOG.warn("event=informer_failed kind={} problem=\"{}\" (objects of this kind are ignored)",
                        kind.getKind(), e.getMessage());
            }
        }
        schedulePublish();
    }

    private ResourceEventHandler<GenericKubernetesResource> handler(CustomResourceDefinitionContext kind) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource obj) {
                upsert(kind, obj);
            }

            @Override
            public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
                upsert(kind, newObj);
            }

            @Override
            public void onDelete(GenericKubernetesResource obj, boolean deletedFinalStateUnknown) {
                entries.remove(key(kind, obj));
                schedulePublish();
            }
        };
    }

    private static String key(CustomResourceDefinitionContext kind, GenericKubernetesResource obj) {
        String ns = obj.getMetadata().getNamespace();
        return kind.getKind() + "/" + (ns == null || ns.isEmpty() ? "" : ns + "/") + obj.getMetadata().getName();
    }

    private void upsert(CustomResourceDefinitionContext kind, GenericKubernetesResource obj) {
        String key = key(kind, obj);
        Entry entry;
        try {
            JsonNode tree = JSON.readTree(client.getKubernetesSerialization().asJson(obj));
            if (!tree.hasNonNull("apiVersion")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) tree).put("apiVersion", kind.getGroup().isEmpty()
                        ? kind.getVersion() : kind.getGroup() + "/" + kind.getVersion());
                ((com.fasterxml.jackson.databind.node.ObjectNode) tree).put("kind", kind.getKind());
            }
            ConfigObject o = ObjectDecoder.decode(tree);
            entry = new Entry(o, null);
        } catch (InvalidResourceException e) {
            ConfigProblem p = new ConfigProblem("kubernetes", key, e.field(), e.getMessage());
            Entry previous = entries.get(key);
            if (previous == null || !p.equals(previous.problem())) {
                LOG.warn("event=invalid_resource {}", p.describe());
                if (KubernetesKinds.ownsStatus(kind)) {
                    markInvalid(kind, obj, p);
                }
            }
            entry = new Entry(null, p);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            entry = new Entry(null, new ConfigProblem("kubernetes", key, "", "cannot read: " + e.getMessage()));
        }
        entries.put(key, entry);
        schedulePublish();
    }

    /** Sets {@code status.conditions} to one {@code Accepted=False} condition naming the bad field. */
    private void markInvalid(CustomResourceDefinitionContext kind, GenericKubernetesResource obj, ConfigProblem p) {
        Map<String, Object> condition = new TreeMap<>();
        condition.put("type", "Accepted");
        condition.put("status", "False");
        condition.put("reason", "Invalid");
        condition.put("message", (p.field().isEmpty() ? "" : p.field() + ": ") + p.message());
        condition.put("lastTransitionTime", java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString());
        if (obj.getMetadata().getGeneration() != null) {
            condition.put("observedGeneration", obj.getMetadata().getGeneration());
        }
        executor.execute(() -> {
            try {
                GenericKubernetesResource copy = client.getKubernetesSerialization().clone(obj);
                copy.setAdditionalProperty("status", Map.of("conditions", List.of(condition)));
                client.genericKubernetesResources(kind).inNamespace(obj.getMetadata().getNamespace())
                        .resource(copy).updateStatus();
            } catch (KubernetesClientException e) {
                LOG.warn("event=status_update_failed object={} problem=\"{}\"", p.object(), e.getMessage());
            }
        });
    }

    private synchronized void schedulePublish() {
        if (scheduled) {
            return;
        }
        scheduled = true;
        executor.schedule(this::publish, debounce.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void publish() {
        synchronized (this) {
            scheduled = false;
        }
        List<ConfigObject> objects = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        new TreeMap<>(entries).values().forEach(e -> {
            if (e.object() != null) {
                objects.add(e.object());
            }
            if (e.problem() != null) {
                problems.add(e.problem());
            }
        });
        ConfigSnapshot snapshot = ConfigSnapshot.of(objects, problems);
        if (snapshot.equals(last)) {
            return;
        }
        last = snapshot;
        LOG.info("event=config_loaded source=kubernetes objects={} problems={}", objects.size(), problems.size());
        Objects.requireNonNull(listener).accept(snapshot);
    }

    /** Whether every informer has listed its kind once. */
    public boolean synced() {
        return informers.stream().allMatch(SharedIndexInformer::hasSynced);
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
    }
}
