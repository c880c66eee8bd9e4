package io.trellis.controller.xds;

import com.google.protobuf.Any;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;

/**
 * Every workload xDS resource at one point in time, with what changed since the previous snapshot so that a
 * proxy already in sync with the previous one is pushed only the difference. Immutable.
 *
 * <p>{@code generation} increases by one per snapshot; {@code changed} and {@code removed} are per type URL the
 * names added/changed or removed since generation - 1.
 */
public final class ResourceSnapshot {

    private final long generation;
    private final long changeNanos;
    private final Map<String, Map<String, VersionedResource>> resources;
    private final Map<String, Set<String>> changed;
    private final Map<String, Set<String>> removed;
    /** Responses every in-step wildcard stream gets, built once per type (nonce aside, they are identical). */
    private final Map<String, DeltaDiscoveryResponse> sharedFull = new ConcurrentHashMap<>();
    private final Map<String, DeltaDiscoveryResponse> sharedDelta = new ConcurrentHashMap<>();

    public ResourceSnapshot(long generation, long changeNanos, Map<String, Map<String, VersionedResource>> resources,
                            Map<String, Set<String>> changed, Map<String, Set<String>> removed) {
        this.generation = generation;
        this.changeNanos = changeNanos;
        this.resources = resources;
        this.changed = changed;
        this.removed = removed;
    }

    public long generation() {
        return generation;
    }

    /** When the first config change folded into this snapshot happened (monotonic nanos), 0 if unknown. */
    public long changeNanos() {
        return changeNanos;
    }

    /**
     * Everything of {@code typeUrl}, for a wildcard proxy that has nothing. Nonce {@code f<generation>}: a
     * stream gets at most one full response per snapshot and type in the normal course.
     */
    DeltaDiscoveryResponse fullResponse(String typeUrl) {
        return sharedFull.computeIfAbsent(typeUrl, t -> {
            DeltaDiscoveryResponse.Builder b = header(t, "f" + generation);
            new TreeMap<>(resources(t)).values().forEach(r -> b.addResources(resource(r)));
            return b.build();
        });
    }

    /** What changed since the previous snapshot, for a wildcard proxy in step with it. Nonce {@code d<gen>}. */
    DeltaDiscoveryResponse deltaResponse(String typeUrl) {
        return sharedDelta.computeIfAbsent(typeUrl, t -> {
            DeltaDiscoveryResponse.Builder b = header(t, "d" + generation);
            Map<String, VersionedResource> all = resources(t);
            new TreeSet<>(changed(t)).forEach(name -> b.addResources(resource(all.get(name))));
            new TreeSet<>(removed(t)).forEach(b::addRemovedResources);
            return b.build();
        });
    }

    DeltaDiscoveryResponse.Builder header(String typeUrl, String nonce) {
        return DeltaDiscoveryResponse.newBuilder().setTypeUrl(typeUrl).setNonce(nonce)
                .setSystemVersionInfo(Long.toString(generation));
    }

    static Resource resource(VersionedResource r) {
        return Resource.newBuilder().setName(r.name()).setVersion(r.version()).setResource(r.resource()).build();
    }

    public static ResourceSnapshot empty() {
        Map<String, Map<String, VersionedResource>> none = new HashMap<>();
        TypeUrls.ALL.forEach(t -> none.put(t, Map.of()));
        return new ResourceSnapshot(0, 0, Map.copyOf(none), Map.of(), Map.of());
    }

    public Map<String, VersionedResource> resources(String typeUrl) {
        return resources.getOrDefault(typeUrl, Map.of());
    }

    public Set<String> changed(String typeUrl) {
        return changed.getOrDefault(typeUrl, Set.of());
    }

    public Set<String> removed(String typeUrl) {
        return removed.getOrDefault(typeUrl, Set.of());
    }

    /** Whether anything differs from the previous snapshot. */
    public boolean hasChanges() {
        return changed.values().stream().anyMatch(s -> !s.isEmpty()) || removed.values().stream().anyMatch(s -> !s.isEmpty());
    }

    /**
     * The snapshot after this one. Resources whose bytes did not change keep their {@link VersionedResource}
     * object (and version); a null message means "unchanged since this snapshot" and is not even hashed.
     */
    public ResourceSnapshot next(Map<String, ? extends Map<String, ? extends @Nullable Message>> translated,
                                 long changeNanos) {
        Map<String, Map<String, VersionedResource>> all = new HashMap<>();
        Map<String, Set<String>> changedByType = new HashMap<>();
        Map<String, Set<String>> removedByType = new HashMap<>();
        for (Map.Entry<String, ? extends Map<String, ? extends @Nullable Message>> type : translated.entrySet()) {
            Map<String, VersionedResource> before = resources(type.getKey());
            Map<String, ? extends @Nullable Message> now = type.getValue();
            Map<String, VersionedResource> updates = new HashMap<>();
            for (Map.Entry<String, ? extends @Nullable Message> e : now.entrySet()) {
                VersionedResource old = before.get(e.getKey());
                if (e.getValue() == null) {
                    if (old == null) {
                        throw new IllegalStateException("resource " + e.getKey() + " marked unchanged but unknown");
                    }
                    continue;
                }
                byte[] bytes = deterministicBytes(e.getValue());
                String version = hash(bytes);
                if (old == null || !old.version().equals(version)) {
                    Any any = Any.newBuilder().setTypeUrl(type.getKey())
                            .setValue(com.google.protobuf.ByteString.copyFrom(bytes)).build();
                    updates.put(e.getKey(), new VersionedResource(e.getKey(), version, any));
                }
            }
            Set<String> removedNames = new HashSet<>();
            for (String name : before.keySet()) {
                if (!now.containsKey(name)) {
                    removedNames.add(name);
                }
            }
            Map<String, VersionedResource> after = before;
            if (!updates.isEmpty() || !removedNames.isEmpty()) {
                // one pod changing must not cost a copy of ten thousand entries twice: copy once, patch, freeze
                Map<String, VersionedResource> patched = new HashMap<>(before);
                patched.putAll(updates);
                patched.keySet().removeAll(removedNames);
                after = Collections.unmodifiableMap(patched);
            }
            all.put(type.getKey(), after);
            changedByType.put(type.getKey(), Set.copyOf(updates.keySet()));
            removedByType.put(type.getKey(), Set.copyOf(removedNames));
        }
        return new ResourceSnapshot(generation + 1, changeNanos, Map.copyOf(all), Map.copyOf(changedByType),
                Map.copyOf(removedByType));
    }

    /**
     * The snapshot after this one when only the named resources may have changed: {@code upserts} are their new
     * messages (an unchanged hash keeps the old {@link VersionedResource}), {@code removals} the names gone.
     * Every other resource is carried over without being looked at, so the cost is O(changed) plus one map copy
     * per changed type.
     */
    public ResourceSnapshot patch(Map<String, Map<String, Message>> upserts, Map<String, Set<String>> removals,
                                  long changeNanos) {
        Map<String, Map<String, VersionedResource>> all = new HashMap<>(resources);
        Map<String, Set<String>> changedByType = new HashMap<>();
        Map<String, Set<String>> removedByType = new HashMap<>();
        Set<String> types = new HashSet<>(upserts.keySet());
        types.addAll(removals.keySet());
        for (String type : types) {
            Map<String, VersionedResource> before = resources(type);
            Map<String, VersionedResource> updates = new HashMap<>();
            Map<String, Message> typeUpserts = upserts.getOrDefault(type, Map.of());
            typeUpserts.forEach((name, message) -> {
                byte[] bytes = deterministicBytes(message);
                String version = hash(bytes);
                VersionedResource old = before.get(name);
                if (old == null || !old.version().equals(version)) {
                    updates.put(name, new VersionedResource(name, version, Any.newBuilder().setTypeUrl(type)
                            .setValue(com.google.protobuf.ByteString.copyFrom(bytes)).build()));
                }
            });
            Set<String> removedNames = new HashSet<>();
            for (String name : removals.getOrDefault(type, Set.of())) {
                if (before.containsKey(name) && !typeUpserts.containsKey(name)) {
                    removedNames.add(name);
                }
            }
            if (!updates.isEmpty() || !removedNames.isEmpty()) {
                Map<String, VersionedResource> patched = new HashMap<>(before);
                patched.putAll(updates);
                patched.keySet().removeAll(removedNames);
                all.put(type, Collections.unmodifiableMap(patched));
            }
            changedByType.put(type, Set.copyOf(updates.keySet()));
            removedByType.put(type, Set.copyOf(removedNames));
        }
        return new ResourceSnapshot(generation + 1, changeNanos, Map.copyOf(all), Map.copyOf(changedByType),
                Map.copyOf(removedByType));
    }

    /** Protobuf map fields serialize in insertion order unless asked not to; versions must not depend on it. */
    private static byte[] deterministicBytes(Message m) {
        byte[] out = new byte[m.getSerializedSize()];
        CodedOutputStream cos = CodedOutputStream.newInstance(out);
        cos.useDeterministicSerialization();
        try {
            m.writeTo(cos);
            cos.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("serializing to an array cannot fail", e);
        }
        return out;
    }

    private static String hash(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }
}
