package io.trellis.waypoint.route;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * An immutable HTTP header multimap. Names are case-insensitive (stored lower-case, as HTTP/2
 * requires) and keep their insertion order; a name may carry several values.
 *
 * <p>Stored as one flat array of name/value pairs because requests carry few headers and a
 * linear scan over a small array beats hashing.
 */
public final class Headers {
  private static final Headers EMPTY = new Headers(new String[0]);

  private final String[] pairs;

  private Headers(String[] pairs) {
    this.pairs = pairs;
  }

  /** No headers. */
  public static Headers empty() {
    return EMPTY;
  }

  /** Headers from alternating names and values, e.g. {@code of("x-a", "1", "x-b", "2")}. */
  public static Headers of(String... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("headers need name/value pairs, got an odd count");
    }
    Builder b = builder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return b.build();
  }

  /** A builder that starts empty. */
  public static Builder builder() {
    return new Builder(new ArrayList<>());
  }

  /** A builder that starts with these headers. */
  public Builder toBuilder() {
    return new Builder(new ArrayList<>(Arrays.asList(pairs)));
  }

  /** The first value of {@code name}, or null if absent. */
  public @Nullable String get(String name) {
    String n = normalize(name);
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i].equals(n)) {
        return pairs[i + 1];
      }
    }
    return null;
  }

  /** Every value of {@code name} in order; empty if absent. */
  public List<String> getAll(String name) {
    String n = normalize(name);
    List<String> values = new ArrayList<>(1);
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i].equals(n)) {
        values.add(pairs[i + 1]);
      }
    }
    return List.copyOf(values);
  }

  /**
   * All values of {@code name} joined with {@code ","}, or null if absent. This is the value
   * header matchers see when a header is repeated, as in Envoy.
   */
  public @Nullable String joined(String name) {
    String n = normalize(name);
    String first = null;
    StringBuilder more = null;
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i].equals(n)) {
        if (first == null) {
          first = pairs[i + 1];
        } else {
          if (more == null) {
            more = new StringBuilder(first);
          }
          more.append(',').append(pairs[i + 1]);
        }
      }
    }
    // The common single-valued case returns the stored string without allocating.
    return more == null ? first : more.toString();
  }

  /** Whether {@code name} is present. */
  public boolean contains(String name) {
    return get(name) != null;
  }

  /** The number of name/value pairs. */
  public int size() {
    return pairs.length / 2;
  }

  /** The name of pair {@code i} (lower-case). */
  public String name(int i) {
    return pairs[2 * i];
  }

  /** The value of pair {@code i}. */
  public String value(int i) {
    return pairs[2 * i + 1];
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Headers h && Arrays.equals(pairs, h.pairs);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(pairs);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < pairs.length; i += 2) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(pairs[i]).append('=').append(pairs[i + 1]);
    }
    return sb.append('}').toString();
  }

  static String normalize(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  /** Accumulates headers; not thread-safe. */
  public static final class Builder {
    private final List<String> pairs;

    private Builder(List<String> pairs) {
      this.pairs = pairs;
    }

    /** Appends a value, keeping existing values of the same name. */
    public Builder add(String name, String value) {
      pairs.add(normalize(name));
      pairs.add(value);
      return this;
    }

    /** Replaces every value of {@code name} with this one (or adds it). */
    public Builder set(String name, String value) {
      remove(name);
      return add(name, value);
    }

    /** Removes every value of {@code name}. */
    public Builder remove(String name) {
      String n = normalize(name);
      for (int i = pairs.size() - 2; i >= 0; i -= 2) {
        if (pairs.get(i).equals(n)) {
          pairs.remove(i + 1);
          pairs.remove(i);
        }
      }
      return this;
    }

    /** The immutable headers. */
    public Headers build() {
      return pairs.isEmpty() ? EMPTY : new Headers(pairs.toArray(String[]::new));
    }
  }
}
