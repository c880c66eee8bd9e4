package io.trellis.waypoint.config;

/**
 * One reason an xDS resource was rejected.
 *
 * @param path the field path, e.g. {@code route_config.virtual_hosts[0].routes[2].route.timeout}
 * @param message what is wrong, e.g. {@code not supported}
 */
public record FieldError(String path, String message) {
  @Override
  public String toString() {
    return path + ": " + message;
  }
}
