package io.trellis.controller.source;

import java.net.InetAddress;

/** An address block; a single address has the full prefix length (32 or 128). */
public record Cidr(InetAddress address, int prefixLength) {}
