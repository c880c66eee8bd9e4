package io.trellis.controller.source;

/** A weighted backend of a route rule: a Service port. Weight 1 by default, 0 disables it. */
public record BackendRef(String name, String namespace, int port, int weight) {}
