package io.trellis.proxy.core.transport;

/** The transport picked at startup and why (logged once, shown in config dumps). */
public record TransportChoice(Transport transport, String reason) {}
