package io.trellis.proxy.core.admin;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A decoded admin request.
 *
 * @param params query parameters, each with its values in order
 */
public record AdminRequest(String method, String path, Map<String, List<String>> params) {

    public AdminRequest {
        params = Map.copyOf(params);
    }

    /** The first value of a query parameter, or null. */
    public @Nullable String param(String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }
}
