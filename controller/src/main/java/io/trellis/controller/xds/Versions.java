package io.trellis.controller.xds;

import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Resource versions a proxy holds (or was sent) for one type: a shared snapshot plus a small overlay of
 * differences. A wildcard proxy in step with the controller is just a reference to the current snapshot, so
 * thousands of streams cost no per-resource memory. Immutable.
 *
 * @param base    every resource of this snapshot, unless the overlay says otherwise; null: no resources
 * @param overlay name to version, or to null when the resource is absent despite the base
 */
record Versions(String typeUrl, @Nullable ResourceSnapshot base, Map<String, @Nullable String> overlay) {

    static Versions none(String typeUrl) {
        return new Versions(typeUrl, null, Map.of());
    }

    static Versions exactly(String typeUrl, ResourceSnapshot snapshot) {
        return new Versions(typeUrl, snapshot, Map.of());
    }

    static Versions of(String typeUrl, Map<String, String> versions) {
        return new Versions(typeUrl, null, Map.copyOf(versions));
    }

    /** True when this is exactly {@code snapshot}'s content. */
    boolean isExactly(ResourceSnapshot snapshot) {
        return base == snapshot && overlay.isEmpty();
    }

    boolean isEmpty() {
        return base == null && overlay.isEmpty();
    }

    @Nullable String version(String name) {
        if (overlay.containsKey(name)) {
            return overlay.get(name);
        }
        if (base == null) {
            return null;
        }
        VersionedResource r = base.resources(typeUrl).get(name);
        return r == null ? null : r.version();
    }

    /** Every name with a version. */
    Set<String> names() {
        Set<String> out = new HashSet<>();
        if (base != null) {
            out.addAll(base.resources(typeUrl).keySet());
        }
        overlay.forEach((name, version) -> {
            if (version == null) {
                out.remove(name);
            } else {
                out.add(name);
            }
        });
        return out;
    }

    int size() {
        return base == null && overlay.values().stream().allMatch(v -> v != null) ? overlay.size() : names().size();
    }

    /** These versions with a response applied on top. */
    Versions plus(DeltaDiscoveryResponse response) {
        Map<String, @Nullable String> next = new HashMap<>(overlay);
        for (Resource r : response.getResourcesList()) {
            next.put(r.getName(), r.getVersion());
        }
        for (String removed : response.getRemovedResourcesList()) {
            next.put(removed, null);
        }
        return new Versions(typeUrl, base, next);
    }

    /** Only the names {@code keep} accepts. */
    Versions restrictTo(java.util.function.Predicate<String> keep) {
        Map<String, @Nullable String> kept = new HashMap<>();
        for (String name : names()) {
            if (keep.test(name)) {
                kept.put(name, version(name));
            }
        }
        return new Versions(typeUrl, null, kept);
    }

    /** Number of names whose version differs between the two. */
    static int differences(Versions a, Versions b) {
        if (a == b || (a.base == b.base && a.overlay.equals(b.overlay))) {
            return 0;
        }
        Set<String> names = a.names();
        names.addAll(b.names());
        int n = 0;
        for (String name : names) {
            if (!java.util.Objects.equals(a.version(name), b.version(name))) {
                n++;
            }
        }
        return n;
    }
}
