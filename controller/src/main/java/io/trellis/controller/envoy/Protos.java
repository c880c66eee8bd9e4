package io.trellis.controller.envoy;

import java.time.Duration;

/** Conversions from Java time to protobuf well-known types. */
final class Protos {

    private Protos() {}

    static com.google.protobuf.Duration duration(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }
}
