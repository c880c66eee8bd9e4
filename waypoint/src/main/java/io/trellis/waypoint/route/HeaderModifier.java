package io.trellis.waypoint.route;

import java.util.List;

/**
 * Gateway API {@code RequestHeaderModifier}/{@code ResponseHeaderModifier} and Envoy's
 * {@code *_headers_to_add}/{@code *_headers_to_remove}: applied as remove, then set, then add,
 * so a header that is both removed and added ends up with the added value.
 *
 * @param set headers whose every existing value is replaced
 * @param add headers appended next to existing values
 * @param remove header names to drop
 */
public record HeaderModifier(List<Header> set, List<Header> add, List<String> remove) {
  /** A header name and value. */
  public record Header(String name, String value) {}

  private static final HeaderModifier NONE = new HeaderModifier(List.of(), List.of(), List.of());

  /** Makes immutable copies. */
  public HeaderModifier {
    set = List.copyOf(set);
    add = List.copyOf(add);
    remove = List.copyOf(remove);
  }

  /** Changes nothing. */
  public static HeaderModifier none() {
    return NONE;
  }

  /** Whether this changes nothing. */
  public boolean isEmpty() {
    return set.isEmpty() && add.isEmpty() && remove.isEmpty();
  }

  /** The headers after modification. */
  public Headers apply(Headers headers) {
    if (isEmpty()) {
      return headers;
    }
    Headers.Builder b = headers.toBuilder();
    for (String name : remove) {
      b.remove(name);
    }
    for (Header h : set) {
      b.set(h.name(), h.value());
    }
    for (Header h : add) {
      b.add(h.name(), h.value());
    }
    return b.build();
  }
}
