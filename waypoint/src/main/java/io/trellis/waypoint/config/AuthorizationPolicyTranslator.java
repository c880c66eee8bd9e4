package io.trellis.waypoint.config;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.trellis.waypoint.authz.AuthorizationPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the controller's representation of L7 authorization policies (a list of structs shaped like
 * the {@code AuthorizationPolicy} CRD: {@code namespace}, {@code name}, {@code action},
 * {@code rules[].from[]} with principals/namespaces and their negations, {@code rules[].to[]} with
 * methods and paths). What the waypoint cannot enforce ({@code ipBlocks}, {@code ports}, unknown
 * keys) is rejected by field path rather than ignored: ignoring a DENY condition would allow too much.
 */
final class AuthorizationPolicyTranslator {
  private static final Set<String> POLICY = Set.of("namespace", "name", "action", "rules");
  private static final Set<String> RULE = Set.of("from", "to");
  private static final Set<String> SOURCE = Set.of("principals", "notPrincipals", "namespaces", "notNamespaces");
  private static final Set<String> OPERATION = Set.of("methods", "paths");

  private AuthorizationPolicyTranslator() {}

  static List<AuthorizationPolicy> policies(Value list, String path, ValidationErrors errors) {
    if (list.getKindCase() != Value.KindCase.LIST_VALUE) {
      errors.add(path, "must be a list");
      return List.of();
    }
    List<AuthorizationPolicy> out = new ArrayList<>();
    for (int i = 0; i < list.getListValue().getValuesCount(); i++) {
      String ppath = ProtoFields.at(path, i);
      Struct p = struct(list.getListValue().getValues(i), ppath, errors);
      if (p == null) {
        continue;
      }
      keys(p, POLICY, ppath, errors);
      String action = text(p, "action", ppath, errors);
      AuthorizationPolicy.Action a = switch (action) {
        case "ALLOW" -> AuthorizationPolicy.Action.ALLOW;
        case "DENY" -> AuthorizationPolicy.Action.DENY;
        default -> {
          errors.add(ppath + ".action", "must be ALLOW or DENY, got '" + action + "'");
          yield AuthorizationPolicy.Action.DENY;
        }
      };
      List<AuthorizationPolicy.Rule> rules = new ArrayList<>();
      List<Struct> ruleStructs = structs(p, "rules", ppath, errors);
      for (int r = 0; r < ruleStructs.size(); r++) {
        rules.add(rule(ruleStructs.get(r), ProtoFields.at(ppath + ".rules", r), errors));
      }
      out.add(new AuthorizationPolicy(text(p, "namespace", ppath, errors), text(p, "name", ppath, errors), a, rules));
    }
    return out;
  }

  private static AuthorizationPolicy.Rule rule(Struct r, String path, ValidationErrors errors) {
    keys(r, RULE, path, errors);
    List<AuthorizationPolicy.Source> from = new ArrayList<>();
    List<Struct> sources = structs(r, "from", path, errors);
    for (int i = 0; i < sources.size(); i++) {
      Struct s = sources.get(i);
      String spath = ProtoFields.at(path + ".from", i);
      keys(s, SOURCE, spath, errors);
      from.add(new AuthorizationPolicy.Source(strings(s, "principals", spath, errors),
          strings(s, "notPrincipals", spath, errors), strings(s, "namespaces", spath, errors),
          strings(s, "notNamespaces", spath, errors)));
    }
    List<AuthorizationPolicy.Operation> to = new ArrayList<>();
    List<Struct> ops = structs(r, "to", path, errors);
    for (int i = 0; i < ops.size(); i++) {
      Struct o = ops.get(i);
      String opath = ProtoFields.at(path + ".to", i);
      keys(o, OPERATION, opath, errors);
      to.add(AuthorizationPolicy.Operation.of(strings(o, "paths", opath, errors), strings(o, "methods", opath, errors)));
    }
    return new AuthorizationPolicy.Rule(from, to, List.of());
  }

  private static void keys(Struct s, Set<String> supported, String path, ValidationErrors errors) {
    for (String k : s.getFieldsMap().keySet()) {
      if (!supported.contains(k)) {
        errors.add(path + "." + k, "not supported by the waypoint (L4 fields are enforced by node-proxies only)");
      }
    }
  }

  private static @org.jspecify.annotations.Nullable Struct struct(Value v, String path, ValidationErrors errors) {
    if (v.getKindCase() != Value.KindCase.STRUCT_VALUE) {
      errors.add(path, "must be a struct");
      return null;
    }
    return v.getStructValue();
  }

  private static List<Struct> structs(Struct s, String key, String path, ValidationErrors errors) {
    Value v = s.getFieldsMap().get(key);
    if (v == null) {
      return List.of();
    }
    if (v.getKindCase() != Value.KindCase.LIST_VALUE) {
      errors.add(path + "." + key, "must be a list");
      return List.of();
    }
    List<Struct> out = new ArrayList<>();
    for (int i = 0; i < v.getListValue().getValuesCount(); i++) {
      Struct st = struct(v.getListValue().getValues(i), ProtoFields.at(path + "." + key, i), errors);
      if (st != null) {
        out.add(st);
      }
    }
    return out;
  }

  private static List<String> strings(Struct s, String key, String path, ValidationErrors errors) {
    Value v = s.getFieldsMap().get(key);
    if (v == null) {
      return List.of();
    }
    if (v.getKindCase() != Value.KindCase.LIST_VALUE) {
      errors.add(path + "." + key, "must be a list of strings");
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.getListValue().getValuesCount(); i++) {
      Value e = v.getListValue().getValues(i);
      if (e.getKindCase() != Value.KindCase.STRING_VALUE) {
        errors.add(ProtoFields.at(path + "." + key, i), "must be a string");
      } else {
        out.add(e.getStringValue());
      }
    }
    return out;
  }

  private static String text(Struct s, String key, String path, ValidationErrors errors) {
    Value v = s.getFieldsMap().get(key);
    if (v == null || v.getKindCase() != Value.KindCase.STRING_VALUE || v.getStringValue().isEmpty()) {
      errors.add(path + "." + key, "must be a non-empty string");
      return "";
    }
    return v.getStringValue();
  }
}
