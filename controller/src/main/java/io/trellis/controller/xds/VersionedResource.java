package io.trellis.controller.xds;

import com.google.protobuf.Any;

/**
 * One xDS resource as served: packed, with its version (a hash of its bytes, so an unchanged resource keeps
 * its version across snapshots and controller replicas).
 */
public record VersionedResource(String name, String version, Any resource) {}
