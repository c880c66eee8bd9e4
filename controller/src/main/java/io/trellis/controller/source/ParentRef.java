package io.trellis.controller.source;

/**
 * What a route or policy attaches to: a Service (mesh / GAMMA style) or a Gateway.
 *
 * @param group       {@code ""} for the core group (Service)
 * @param port        0 when the whole parent is meant
 * @param sectionName {@code ""} when unset
 */
public record ParentRef(String group, String kind, String namespace, String name, int port, String sectionName) {}
