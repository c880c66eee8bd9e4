package io.trellis.ctl;

import picocli.CommandLine.Option;

/** {@code --controller host:port}: the controller's plaintext gRPC port (workload xDS, proxy status). */
final class ControllerAddress {

    @Option(names = "--controller", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:15010",
            description = "Controller's plaintext gRPC address (default ${DEFAULT-VALUE}; in a cluster: "
                    + "kubectl -n trellis-system port-forward deploy/trellis-controller 15010).")
    String address = "127.0.0.1:15010";

    String host() throws CtlException {
        return HostPort.parse(address, 15010).host();
    }

    int port() throws CtlException {
        return HostPort.parse(address, 15010).port();
    }
}
