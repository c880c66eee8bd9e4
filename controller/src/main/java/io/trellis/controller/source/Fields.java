package io.trellis.controller.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Typed, path-tracking reads from one YAML mapping. Every failure names the dotted field path,
 * so that a bad resource can be reported precisely.
 */
final class Fields {

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,5})(h|ms|m|s)");
    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

    private final JsonNode node;
    private final String path;

    private Fields(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    static Fields root(JsonNode node) {
        if (!node.isObject()) {
            throw new InvalidResourceException("", "document is not a YAML mapping");
        }
        return new Fields(node, "");
    }

    String path() {
        return path;
    }

    String field(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    boolean has(String name) {
        JsonNode v = node.get(name);
        return v != null && !v.isNull();
    }

    String string(String name) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            throw new InvalidResourceException(field(name), "is required");
        }
        if (!v.isValueNode() || v.isBinary()) {
            throw new InvalidResourceException(field(name), "must be a string");
        }
        String s = v.asText();
        if (s.isEmpty()) {
            throw new InvalidResourceException(field(name), "must not be empty");
        }
        return s;
    }

    /** An optional string: absent, null or empty gives {@code fallback}. */
    String string(String name, String fallback) {
        JsonNode v = node.get(name);
        if (v != null && v.isTextual() && v.asText().isEmpty()) {
            return fallback;
        }
        return has(name) ? string(name) : fallback;
    }

    /** Like {@link #string(String, String)} but an explicit empty string is a value (Gateway API core group). */
    String stringOrEmpty(String name, String fallback) {
        JsonNode v = node.get(name);
        if (v != null && v.isTextual() && v.asText().isEmpty()) {
            return "";
        }
        return string(name, fallback);
    }

    int integer(String name, int min, int max) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            throw new InvalidResourceException(field(name), "is required");
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new InvalidResourceException(field(name), "must be an integer, got '" + v.asText() + "'");
        }
        int i = v.intValue();
        if (i < min || i > max) {
            throw new InvalidResourceException(field(name), "must be in [" + min + ", " + max + "], got " + i);
        }
        return i;
    }

    int integer(String name, int min, int max, int fallback) {
        return has(name) ? integer(name, min, max) : fallback;
    }

    double number(String name, double min, double max, double fallback) {
        if (!has(name)) {
            return fallback;
        }
        JsonNode v = node.get(name);
        if (!v.isNumber()) {
            throw new InvalidResourceException(field(name), "must be a number, got '" + v.asText() + "'");
        }
        double d = v.doubleValue();
        if (d < min || d > max) {
            throw new InvalidResourceException(field(name), "must be in [" + min + ", " + max + "], got " + d);
        }
        return d;
    }

    /** A port number, also accepted as a quoted string ("9080") as policies often write them. */
    static int port(JsonNode v, String field) {
        String text = v.asText();
        int p;
        try {
            p = v.isIntegralNumber() ? v.intValue() : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new InvalidResourceException(field, "must be a port number, got '" + text + "'");
        }
        if (p < 1 || p > 65535) {
            throw new InvalidResourceException(field, "must be a port in [1, 65535], got " + p);
        }
        return p;
    }

    /** Gateway API duration: e.g. {@code 10s}, {@code 500ms}, {@code 1m30s}. Null when absent. */
    @Nullable
    Duration duration(String name) {
        if (!has(name)) {
            return null;
        }
        String text = string(name);
        Matcher m = DURATION.matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            end = m.end();
        }
        if (end != text.length() || end == 0) {
            throw new InvalidResourceException(field(name), "must be a duration like 10s, 500ms or 1m30s, got '"
                    + text + "'");
        }
        return total;
    }

    Duration duration(String name, Duration fallback) {
        Duration d = duration(name);
        return d == null ? fallback : d;
    }

    Map<String, String> stringMap(String name) {
        if (!has(name)) {
            return Map.of();
        }
        JsonNode v = node.get(name);
        if (!v.isObject()) {
            throw new InvalidResourceException(field(name), "must be a mapping of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new InvalidResourceException(field(name) + "." + e.getKey(), "must be a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    @Nullable
    Fields object(String name) {
        if (!has(name)) {
            return null;
        }
        JsonNode v = node.get(name);
        if (!v.isObject()) {
            throw new InvalidResourceException(field(name), "must be a mapping");
        }
        return new Fields(v, field(name));
    }

    Fields requiredObject(String name) {
        Fields f = object(name);
        if (f == null) {
            throw new InvalidResourceException(field(name), "is required");
        }
        return f;
    }

    /** Decodes each mapping of a list; an absent list is empty. */
    <T> List<T> objects(String name, Function<Fields, T> decode) {
        List<T> out = new ArrayList<>();
        int i = 0;
        for (JsonNode item : list(name)) {
            String itemPath = field(name) + "[" + i++ + "]";
            if (!item.isObject()) {
                throw new InvalidResourceException(itemPath, "must be a mapping");
            }
            out.add(decode.apply(new Fields(item, itemPath)));
        }
        return out;
    }

    List<String> strings(String name) {
        List<String> out = new ArrayList<>();
        int i = 0;
        for (JsonNode item : list(name)) {
            if (!item.isValueNode() || item.isNull() || item.asText().isEmpty()) {
                throw new InvalidResourceException(field(name) + "[" + i + "]", "must be a non-empty string");
            }
            out.add(item.asText());
            i++;
        }
        return out;
    }

    List<Integer> ports(String name) {
        List<Integer> out = new ArrayList<>();
        int i = 0;
        for (JsonNode item : list(name)) {
            out.add(port(item, field(name) + "[" + i++ + "]"));
        }
        return out;
    }

    List<InetAddress> addresses(String name) {
        List<InetAddress> out = new ArrayList<>();
        int i = 0;
        for (String s : strings(name)) {
            out.add(ip(s, field(name) + "[" + i++ + "]"));
        }
        return out;
    }

    private List<JsonNode> list(String name) {
        if (!has(name)) {
            return List.of();
        }
        JsonNode v = node.get(name);
        if (!v.isArray()) {
            throw new InvalidResourceException(field(name), "must be a list");
        }
        List<JsonNode> out = new ArrayList<>(v.size());
        v.forEach(out::add);
        return out;
    }

    /** Parses an IP literal without ever doing a DNS lookup. */
    static InetAddress ip(String text, String field) {
        boolean v4 = IPV4.matcher(text).matches();
        boolean v6 = !v4 && text.indexOf(':') >= 0 && text.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) {
            throw new InvalidResourceException(field, "must be an IP address, got '" + text + "'");
        }
        try {
            return InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidResourceException(field, "must be an IP address, got '" + text + "'", e);
        }
    }

    static Cidr cidr(String text, String field) {
        int slash = text.indexOf('/');
        InetAddress address = ip(slash < 0 ? text : text.substring(0, slash), field);
        int max = address.getAddress().length * 8;
        if (slash < 0) {
            return new Cidr(address, max);
        }
        int prefix;
        try {
            prefix = Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            prefix = -1;
        }
        if (prefix < 0 || prefix > max) {
            throw new InvalidResourceException(field, "must be a CIDR with a prefix length in [0, " + max
                    + "], got '" + text + "'");
        }
        return new Cidr(address, prefix);
    }
}
