package io.trellis.waypoint.config;

import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.trellis.waypoint.route.HeaderMatch;
import io.trellis.waypoint.route.PathMatch;
import io.trellis.waypoint.route.QueryParamMatch;
import io.trellis.waypoint.route.RouteMatch;
import io.trellis.waypoint.route.StringMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Envoy {@code RouteMatch}, {@code HeaderMatcher}, {@code QueryParameterMatcher} and string matchers. */
final class RouteMatchTranslator {
  private static final Set<String> ROUTE_MATCH = Set.of(
      "prefix", "path", "safe_regex", "path_separated_prefix", "case_sensitive", "headers", "query_parameters", "grpc");
  private static final Set<String> HEADER_MATCHER = Set.of(
      "name", "exact_match", "safe_regex_match", "present_match", "prefix_match", "suffix_match",
      "contains_match", "string_match", "invert_match");
  private static final Set<String> QUERY_MATCHER = Set.of("name", "string_match", "present_match");
  private static final Set<String> STRING_MATCHER = Set.of("exact", "prefix", "suffix", "safe_regex", "contains", "ignore_case");
  private static final Set<String> REGEX_MATCHER = Set.of("regex", "google_re2");

  private RouteMatchTranslator() {}

  static @Nullable RouteMatch translate(io.envoyproxy.envoy.config.route.v3.RouteMatch m, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(m, path, errors, ROUTE_MATCH);
    if (m.hasCaseSensitive() && !m.getCaseSensitive().getValue()) {
      errors.add(path + ".case_sensitive", "only case-sensitive path matching is supported");
    }
    if (m.hasGrpc()) {
      ProtoFields.onlySupported(m.getGrpc(), path + ".grpc", errors, Set.of());
    }
    PathMatch pathMatch = switch (m.getPathSpecifierCase()) {
      case PREFIX -> new PathMatch.Prefix(m.getPrefix());
      case PATH -> new PathMatch.Exact(m.getPath());
      case SAFE_REGEX -> {
        Pattern p = regex(m.getSafeRegex(), path + ".safe_regex", errors);
        yield p == null ? null : new PathMatch.Regex(p);
      }
      case PATH_SEPARATED_PREFIX -> {
        String prefix = m.getPathSeparatedPrefix();
        if (!prefix.startsWith("/") || (prefix.length() > 1 && prefix.endsWith("/"))) {
          errors.add(path + ".path_separated_prefix", "must start with '/' and not end with '/', got '" + prefix + "'");
        }
        yield new PathMatch.SegmentPrefix(prefix);
      }
      case PATHSPECIFIER_NOT_SET -> {
        errors.add(path, "one of prefix, path, safe_regex or path_separated_prefix is required");
        yield null;
      }
      default -> null; // reported by onlySupported
    };
    List<HeaderMatch> headers = new ArrayList<>();
    for (int i = 0; i < m.getHeadersCount(); i++) {
      HeaderMatch h = header(m.getHeaders(i), ProtoFields.at(path + ".headers", i), errors);
      if (h != null) {
        headers.add(h);
      }
    }
    List<QueryParamMatch> query = new ArrayList<>();
    for (int i = 0; i < m.getQueryParametersCount(); i++) {
      QueryParamMatch q = query(m.getQueryParameters(i), ProtoFields.at(path + ".query_parameters", i), errors);
      if (q != null) {
        query.add(q);
      }
    }
    return pathMatch == null ? null : new RouteMatch(pathMatch, null, headers, query, m.hasGrpc());
  }

  // The deprecated specifiers are still sent by older control planes; they are honoured, not ignored.
  @SuppressWarnings("deprecation")
  static @Nullable HeaderMatch header(HeaderMatcher h, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(h, path, errors, HEADER_MATCHER);
    if (h.getName().isEmpty()) {
      errors.add(path + ".name", "must not be empty");
      return null;
    }
    boolean invert = h.getInvertMatch();
    StringMatch value = switch (h.getHeaderMatchSpecifierCase()) {
      case EXACT_MATCH -> new StringMatch.Exact(h.getExactMatch());
      case PREFIX_MATCH -> new StringMatch.Prefix(h.getPrefixMatch(), false);
      case SUFFIX_MATCH -> new StringMatch.Suffix(h.getSuffixMatch(), false);
      case CONTAINS_MATCH -> new StringMatch.Contains(h.getContainsMatch(), false);
      case SAFE_REGEX_MATCH -> {
        Pattern p = regex(h.getSafeRegexMatch(), path + ".safe_regex_match", errors);
        yield p == null ? null : new StringMatch.Regex(p);
      }
      case STRING_MATCH -> string(h.getStringMatch(), path + ".string_match", errors);
      case PRESENT_MATCH -> {
        // present_match: false means "must be absent".
        invert = h.getPresentMatch() == h.getInvertMatch();
        yield null;
      }
      default -> null; // no specifier: presence; other specifiers are reported by onlySupported
    };
    return new HeaderMatch(h.getName(), value, invert);
  }

  static @Nullable QueryParamMatch query(QueryParameterMatcher q, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(q, path, errors, QUERY_MATCHER);
    if (q.getName().isEmpty()) {
      errors.add(path + ".name", "must not be empty");
      return null;
    }
    return switch (q.getQueryParameterMatchSpecifierCase()) {
      case STRING_MATCH -> new QueryParamMatch(q.getName(), string(q.getStringMatch(), path + ".string_match", errors));
      case PRESENT_MATCH -> {
        if (!q.getPresentMatch()) {
          errors.add(path + ".present_match", "only present_match: true is supported");
        }
        yield new QueryParamMatch(q.getName(), null);
      }
      default -> new QueryParamMatch(q.getName(), null);
    };
  }

  static @Nullable StringMatch string(StringMatcher s, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(s, path, errors, STRING_MATCHER);
    boolean ic = s.getIgnoreCase();
    return switch (s.getMatchPatternCase()) {
      case EXACT -> new StringMatch.Exact(s.getExact(), ic);
      case PREFIX -> new StringMatch.Prefix(s.getPrefix(), ic);
      case SUFFIX -> new StringMatch.Suffix(s.getSuffix(), ic);
      case CONTAINS -> new StringMatch.Contains(s.getContains(), ic);
      case SAFE_REGEX -> {
        if (ic) {
          errors.add(path + ".ignore_case", "cannot be combined with safe_regex (as in Envoy)");
        }
        Pattern p = regex(s.getSafeRegex(), path + ".safe_regex", errors);
        yield p == null ? null : new StringMatch.Regex(p);
      }
      case MATCHPATTERN_NOT_SET -> {
        errors.add(path, "one of exact, prefix, suffix, contains or safe_regex is required");
        yield null;
      }
      default -> null; // reported by onlySupported
    };
  }

  @SuppressWarnings("deprecation") // google_re2 is deprecated but still accepted when empty
  static @Nullable Pattern regex(RegexMatcher r, String path, ValidationErrors errors) {
    ProtoFields.onlySupported(r, path, errors, REGEX_MATCHER);
    if (r.hasGoogleRe2()) {
      ProtoFields.onlySupported(r.getGoogleRe2(), path + ".google_re2", errors, Set.of());
    }
    return ProtoFields.regex(r.getRegex(), path + ".regex", errors);
  }
}
