package io.trellis.waypoint.authz;

import java.util.List;

/**
 * An L7 authorization policy as the waypoint enforces it (Istio's {@code AuthorizationPolicy}
 * shape). A policy matches a request if any rule matches; a policy without rules matches nothing
 * (so an ALLOW policy without rules allows nothing), while a rule without any condition matches
 * everything.
 *
 * @param namespace the policy's namespace
 * @param name the policy's name
 * @param action ALLOW or DENY
 * @param rules the rules (OR)
 */
public record AuthorizationPolicy(String namespace, String name, Action action, List<Rule> rules) {
  /** Makes an immutable copy. */
  public AuthorizationPolicy {
    rules = List.copyOf(rules);
  }

  /** What a matching policy does. */
  public enum Action {
    /** Allow the request. */
    ALLOW,
    /** Deny the request; DENY policies are evaluated before ALLOW policies. */
    DENY
  }

  /** {@code namespace/name}, as logged. */
  public String qualifiedName() {
    return namespace + "/" + name;
  }

  /**
   * One rule: some source in {@code from}, some operation in {@code to} and every condition in
   * {@code when} must match; an empty list does not constrain.
   */
  public record Rule(List<Source> from, List<Operation> to, List<Condition> when) {
    /** Makes immutable copies. */
    public Rule {
      from = List.copyOf(from);
      to = List.copyOf(to);
      when = List.copyOf(when);
    }

    boolean matches(AuthzRequest r) {
      return (from.isEmpty() || from.stream().anyMatch(s -> s.matches(r)))
          && (to.isEmpty() || to.stream().anyMatch(o -> o.matches(r)))
          && when.stream().allMatch(c -> c.matches(r));
    }
  }

  /**
   * Who sent the request. Every non-empty field must match; a field matches if any value does,
   * a {@code not} field if none does.
   *
   * @param principals source identities ({@code td/ns/x/sa/y}; a {@code spiffe://} prefix is
   *     ignored on both sides), with {@code *} wildcards
   * @param notPrincipals identities that must not match
   * @param namespaces source namespaces
   * @param notNamespaces namespaces that must not match
   */
  public record Source(
      List<String> principals, List<String> notPrincipals, List<String> namespaces, List<String> notNamespaces) {
    /** Makes immutable copies and drops any {@code spiffe://} prefix from principals. */
    public Source {
      principals = principals.stream().map(AuthzRequest::stripSpiffe).toList();
      notPrincipals = notPrincipals.stream().map(AuthzRequest::stripSpiffe).toList();
      namespaces = List.copyOf(namespaces);
      notNamespaces = List.copyOf(notNamespaces);
    }

    boolean matches(AuthzRequest r) {
      String p = r.principal();
      String ns = r.namespace();
      return Fields.in(principals, p) && Fields.notIn(notPrincipals, p)
          && Fields.in(namespaces, ns) && Fields.notIn(notNamespaces, ns);
    }
  }

  /**
   * What the request does. Every non-empty field must match.
   *
   * @param hosts authorities (case-insensitive, wildcards allowed)
   * @param notHosts authorities that must not match
   * @param paths paths without query, wildcards allowed
   * @param notPaths paths that must not match
   * @param methods upper-case methods
   * @param notMethods methods that must not match
   */
  public record Operation(
      List<String> hosts, List<String> notHosts, List<String> paths, List<String> notPaths,
      List<String> methods, List<String> notMethods) {
    /** Makes immutable copies. */
    public Operation {
      hosts = hosts.stream().map(h -> h.toLowerCase(java.util.Locale.ROOT)).toList();
      notHosts = notHosts.stream().map(h -> h.toLowerCase(java.util.Locale.ROOT)).toList();
      paths = List.copyOf(paths);
      notPaths = List.copyOf(notPaths);
      methods = List.copyOf(methods);
      notMethods = List.copyOf(notMethods);
    }

    /** An operation on paths and methods only. */
    public static Operation of(List<String> paths, List<String> methods) {
      return new Operation(List.of(), List.of(), paths, List.of(), methods, List.of());
    }

    boolean matches(AuthzRequest r) {
      String host = r.request().authority().toLowerCase(java.util.Locale.ROOT);
      String path = r.request().path();
      String method = r.request().method();
      return hostIn(hosts, host) && (notHosts.isEmpty() || !hostIn(notHosts, host))
          && Fields.in(paths, path) && Fields.notIn(notPaths, path)
          && Fields.in(methods, method) && Fields.notIn(notMethods, method);
    }
  }

  /** Whether a host pattern matches the authority with or without its port. */
  private static boolean hostIn(List<String> patterns, String authority) {
    if (patterns.isEmpty()) {
      return true;
    }
    int colon = authority.lastIndexOf(':');
    String bare = colon > 0 && authority.indexOf(']', colon) < 0 ? authority.substring(0, colon) : authority;
    return ValuePattern.anyMatches(patterns, authority) || ValuePattern.anyMatches(patterns, bare);
  }

  /**
   * An extra condition (Istio {@code when}). Supported keys: {@code request.headers[<name>]},
   * {@code source.principal}, {@code source.namespace}.
   *
   * @param key the attribute
   * @param values at least one must match, if non-empty
   * @param notValues none may match
   */
  public record Condition(String key, List<String> values, List<String> notValues) {
    /** Validates the key and makes immutable copies. */
    public Condition {
      values = List.copyOf(values);
      notValues = List.copyOf(notValues);
      if (!(key.equals("source.principal") || key.equals("source.namespace")
          || (key.startsWith("request.headers[") && key.endsWith("]") && key.length() > "request.headers[]".length()))) {
        throw new IllegalArgumentException(
            "unsupported condition key '" + key + "': use request.headers[<name>], source.principal or source.namespace");
      }
    }

    boolean matches(AuthzRequest r) {
      String actual;
      if (key.equals("source.principal")) {
        actual = r.principal();
      } else if (key.equals("source.namespace")) {
        actual = r.namespace();
      } else {
        String header = key.substring("request.headers[".length(), key.length() - 1);
        String v = r.request().headers().joined(header);
        if (v == null) {
          return values.isEmpty(); // absent header: only a pure notValues condition holds
        }
        actual = v;
      }
      return Fields.in(values, actual) && Fields.notIn(notValues, actual);
    }
  }

  /** Field semantics shared by the rule parts. */
  private static final class Fields {
    static boolean in(List<String> patterns, String value) {
      return patterns.isEmpty() || ValuePattern.anyMatches(patterns, value);
    }

    static boolean notIn(List<String> patterns, String value) {
      return patterns.isEmpty() || !ValuePattern.anyMatches(patterns, value);
    }
  }
}
