package io.trellis.proxy.core.admin;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** Paths and methods to handlers. Built once, then read by the server's event loop only. */
public final class AdminRoutes {

    private final Map<String, Map<String, AdminHandler>> routes = new HashMap<>();

    public AdminRoutes get(String path, AdminHandler handler) {
        return add("GET", path, handler);
    }

    public AdminRoutes post(String path, AdminHandler handler) {
        return add("POST", path, handler);
    }

    public AdminRoutes add(String method, String path, AdminHandler handler) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("admin path must start with '/': " + path);
        }
        if (routes.computeIfAbsent(path, p -> new TreeMap<>()).putIfAbsent(method, handler) != null) {
            throw new IllegalArgumentException(method + " " + path + " is already routed");
        }
        return this;
    }

    /** Merges {@code other}'s routes into this one (several endpoint sets on one port). */
    public AdminRoutes addAll(AdminRoutes other) {
        other.routes.forEach((path, byMethod) -> byMethod.forEach((m, h) -> add(m, path, h)));
        return this;
    }

    /** Handlers of a path by method, or null for an unknown path. */
    @Nullable Map<String, AdminHandler> forPath(String path) {
        return routes.get(path);
    }

    java.util.Set<String> paths() {
        return new java.util.TreeSet<>(routes.keySet());
    }
}
