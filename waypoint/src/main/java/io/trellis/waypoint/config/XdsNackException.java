package io.trellis.waypoint.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * An xDS resource the waypoint cannot apply. Its message (every field error, joined with
 * {@code "; "}) is what the xDS client sends back as the NACK's {@code error_detail}; the
 * previous configuration stays active.
 */
public final class XdsNackException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient List<FieldError> errors;

  XdsNackException(String resource, List<FieldError> errors) {
    super(resource + " rejected: " + errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
    this.errors = List.copyOf(errors);
  }

  /** Every problem found, in field order. */
  public List<FieldError> errors() {
    return errors;
  }
}
