package io.trellis.controller.xds;

import com.google.protobuf.Any;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * Every workload xDS resource at one point in time, with what changed since the previous snapshot so that a
 * proxy already in sync with the previous one is pushed only the difference. Immutable.
 *
 * @param generation   increases by one per snapshot
 * @param changeNanos  when the first config change folded into this snapshot happened (for change-to-ACK latency)
 * @param changed      per type URL: names added or changed since generation - 1
 * @param removed      per type URL: names removed since generation - 1
 */
public record ResourceSnapshot(long generation, long changeNanos, Map<String, Map<String, VersionedResource>> resources,
                               Map<String, Set<String>> changed, Map<String, Set<String>> removed) {

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
     * object (and version).
     */
    public ResourceSnapshot next(Map<String, Map<String, Message>> translated, long changeNanos) {
        Map<String, Map<String, VersionedResource>> all = new HashMap<>();
        Map<String, Set<String>> changedByType = new HashMap<>();
        Map<String, Set<String>> removedByType = new HashMap<>();
        for (Map.Entry<String, Map<String, Message>> type : translated.entrySet()) {
            Map<String, VersionedResource> before = resources(type.getKey());
            Map<String, VersionedResource> after = new HashMap<>(type.getValue().size() * 2);
            Set<String> changedNames = new HashSet<>();
            for (Map.Entry<String, Message> e : type.getValue().entrySet()) {
                byte[] bytes = deterministicBytes(e.getValue());
                String version = hash(bytes);
                VersionedResource old = before.get(e.getKey());
                if (old != null && old.version().equals(version)) {
                    after.put(e.getKey(), old);
                } else {
                    Any any = Any.newBuilder().setTypeUrl(type.getKey())
                            .setValue(com.google.protobuf.ByteString.copyFrom(bytes)).build();
                    after.put(e.getKey(), new VersionedResource(e.getKey(), version, any));
                    changedNames.add(e.getKey());
                }
            }
            Set<String> removedNames = new HashSet<>(before.keySet());
            removedNames.removeAll(after.keySet());
            all.put(type.getKey(), Map.copyOf(after));
            changedByType.put(type.getKey(), Set.copyOf(changedNames));
            removedByType.put(type.getKey(), Set.copyOf(removedNames));
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
