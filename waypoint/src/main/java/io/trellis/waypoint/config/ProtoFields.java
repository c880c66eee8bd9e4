package io.trellis.waypoint.config;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jspecify.annotations.Nullable;

/**
 * Field-level checks over protobuf reflection. The allow-list approach is what keeps the
 * "never silently ignore" promise: a field is either named here by a translator, or it is
 * reported, including fields added to Envoy's protos after this code was written (unknown fields).
 */
final class ProtoFields {
  private ProtoFields() {}

  /** Reports every field set in {@code message} whose name is not in {@code supported}. */
  static void onlySupported(Message message, String path, ValidationErrors errors, Set<String> supported) {
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      String name = e.getKey().getName();
      if (!supported.contains(name)) {
        errors.unsupported(path + "." + name);
      }
    }
    if (!message.getUnknownFields().asMap().isEmpty()) {
      errors.add(path, "unknown field numbers " + message.getUnknownFields().asMap().keySet() + " (newer Envoy API?)");
    }
  }

  /** Longest accepted duration: far beyond any useful timeout, far below nanosecond overflow. */
  static final long MAX_SECONDS = 100L * 365 * 24 * 3600;

  /** A protobuf duration as a Java one, or null (with an error) if negative, malformed or huge. */
  static @Nullable Duration duration(com.google.protobuf.Duration d, String path, ValidationErrors errors) {
    if (d.getSeconds() < 0 || d.getNanos() < 0 || d.getNanos() > 999_999_999) {
      errors.add(path, "must be a non-negative duration, got " + d.getSeconds() + "s " + d.getNanos() + "ns");
      return null;
    }
    if (d.getSeconds() > MAX_SECONDS) {
      errors.add(path, "must be at most 100 years, got " + d.getSeconds() + "s");
      return null;
    }
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  /** A compiled regex, or null (with an error naming the problem). */
  static @Nullable Pattern regex(String regex, String path, ValidationErrors errors) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      errors.add(path, "invalid regex: " + e.getDescription());
      return null;
    }
  }

  static String at(String path, int index) {
    return path + "[" + index + "]";
  }
}
