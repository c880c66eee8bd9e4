package io.trellis.controller.source;

import java.util.List;
import java.util.Map;

/** The route filters Trellis supports. */
public sealed interface RouteFilter {

    /** {@code RequestHeaderModifier} or {@code ResponseHeaderModifier}. */
    record HeaderModifier(boolean response, Map<String, String> set, Map<String, String> add, List<String> remove)
            implements RouteFilter {
        public HeaderModifier {
            set = Map.copyOf(set);
            add = Map.copyOf(add);
            remove = List.copyOf(remove);
        }
    }

    /** {@code RequestMirror}: copies requests to another backend; {@code percent} of them (100 when unset). */
    record RequestMirror(BackendRef backend, int percent) implements RouteFilter {}
}
