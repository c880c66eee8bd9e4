package io.trellis.controller.source;

/** Header match of a route: {@code Exact} or {@code RegularExpression}. */
public record HeaderMatch(String name, String value, boolean regex) {}
