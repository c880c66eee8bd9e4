package io.trellis.ctl;

import io.grpc.ManagedChannel;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.TrustBundle;
import io.trellis.proxy.core.controller.ControllerChannels;
import java.nio.file.Path;
import java.time.Clock;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code --controller host:port}: the controller's gRPC port (workload xDS, proxy status), plaintext, or TLS with
 * {@code --controller-root-cert}, the controller verified by its SPIFFE id like the proxies verify it.
 */
final class ControllerAddress {

    @Option(names = "--controller", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:15010",
            description = "Controller's gRPC address (default ${DEFAULT-VALUE}: plaintext; in a cluster: "
                    + "kubectl -n trellis-system port-forward deploy/trellis-controller 15010, or 15012 with "
                    + "--controller-root-cert).")
    String address = "127.0.0.1:15010";

    @Option(names = "--controller-root-cert", paramLabel = "PEM",
            description = "The mesh root certificate(s): connect over TLS (the controller's port 15012) and verify the "
                    + "controller by its SPIFFE id, not its host name. Without it the connection is plaintext.")
    @Nullable Path rootCert;

    @Option(names = "--controller-identity", paramLabel = "SPIFFE_ID",
            description = "The controller's SPIFFE id, checked with --controller-root-cert "
                    + "(default spiffe://<trust domain>/ns/trellis-system/sa/trellis-controller).")
    @Nullable String identity;

    @Option(names = "--trust-domain", defaultValue = "cluster.local",
            description = "The mesh trust domain, for --controller-root-cert (default ${DEFAULT-VALUE}).")
    String trustDomain = "cluster.local";

    String host() throws CtlException {
        return HostPort.parse(address, 15010).host();
    }

    int port() throws CtlException {
        return HostPort.parse(address, 15010).port();
    }

    /** Plaintext, or TLS verified by the controller's SPIFFE id with --controller-root-cert. */
    ManagedChannel open() throws CtlException {
        String host = host();
        int port = port();
        try {
            SpiffeId controller = ControllerChannels.identity(identity, trustDomain);
            if (rootCert == null) {
                return ControllerChannels.plaintext(host, port);
            }
            return ControllerChannels.tls(host, port, new TrustBundle(trustDomain, ControllerChannels.roots(rootCert)),
                    controller, Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            throw new CtlException(e.getMessage(), e);
        } catch (SSLException e) {
            throw new CtlException("cannot set up TLS to the controller at " + address + ": " + e.getMessage(), e);
        }
    }
}
