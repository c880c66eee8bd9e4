package io.trellis.waypoint.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every problem in one resource, so a NACK lists them all at once instead of making the
 * operator fix them one push at a time.
 */
final class ValidationErrors {
  private final List<FieldError> errors = new ArrayList<>();

  void add(String path, String message) {
    errors.add(new FieldError(path, message));
  }

  void unsupported(String path) {
    add(path, "not supported");
  }

  boolean isEmpty() {
    return errors.isEmpty();
  }

  List<FieldError> list() {
    return List.copyOf(errors);
  }

  void throwIfAny(String resource) throws XdsNackException {
    if (!errors.isEmpty()) {
      throw new XdsNackException(resource, errors);
    }
  }
}
