package io.trellis.waypoint.xds;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.trellis.identity.PemFiles;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.SvidVerifier;
import io.trellis.identity.TrustBundle;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * The waypoint's gRPC channel to the controller (xDS and CA share it): plaintext to 15010 in the lab and local
 * mode, TLS to 15012 in a cluster, where the controller is verified by its SPIFFE id against the mesh root so that
 * the waypoint's service-account token never crosses the pod network in clear nor reaches an impostor.
 */
public final class ControllerChannel {

    /** Ping an idle connection this often (the controller permits 10 s), so a vanished controller is noticed. */
    private static final long KEEPALIVE_SECONDS = 30;
    private static final long KEEPALIVE_TIMEOUT_SECONDS = 10;

    private ControllerChannel() {}

    /** The controller's identity when none is given: its Deployment's service account in the root namespace. */
    public static SpiffeId defaultIdentity(String trustDomain) {
        return SpiffeId.of(trustDomain, "trellis-system", "trellis-controller");
    }

    /**
     * The channel the command line asks for.
     *
     * @param hostPort the controller's {@code host:port}
     * @param rootCert PEM file of the mesh root(s): TLS verified by SPIFFE id; null: plaintext
     * @param identity the controller's SPIFFE id (null: {@link #defaultIdentity}); only used with {@code rootCert}
     * @param trustDomain the mesh trust domain, which the controller's id must belong to
     * @throws IllegalArgumentException naming the option that is wrong
     */
    public static ManagedChannel open(String hostPort, @Nullable Path rootCert, @Nullable String identity,
            String trustDomain) throws SSLException {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("--controller '" + hostPort + "' must be host:port");
        }
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--controller '" + hostPort + "': the port is not a number", e);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--controller '" + hostPort + "': the port must be 1..65535");
        }
        SpiffeId controller;
        try {
            controller = identity == null ? defaultIdentity(trustDomain) : SpiffeId.parse(identity);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--controller-identity '" + identity + "': " + e.getMessage(), e);
        }
        if (!controller.trustDomain().equals(trustDomain)) {
            throw new IllegalArgumentException("--controller-identity " + controller + " is not in trust domain "
                    + trustDomain + " (--trust-domain)");
        }
        if (rootCert == null) {
            return plaintext(host, port);
        }
        List<X509Certificate> roots;
        try {
            roots = PemFiles.readCertificates(rootCert);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--controller-root-cert " + rootCert + ": " + e.getMessage(), e);
        }
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("--controller-root-cert " + rootCert + " holds no certificate");
        }
        return tls(host, port, new TrustBundle(trustDomain, roots), controller, Clock.systemUTC());
    }

    /** Plaintext (the controller's port 15010): the lab and local mode. */
    public static ManagedChannel plaintext(String host, int port) {
        return builder(host, port).usePlaintext().build();
    }

    /**
     * TLS (the controller's port 15012): the controller's chain must lead to {@code bundle} and its URI SAN be
     * {@code controller}; host names are not checked (the controller is reached by Service name or pod IP).
     */
    public static ManagedChannel tls(String host, int port, TrustBundle bundle, SpiffeId controller, Clock clock)
            throws SSLException {
        return builder(host, port).sslContext(GrpcSslContexts.forClient()
                .trustManager(new ControllerTrust(new SvidVerifier(bundle, clock), controller)).build()).build();
    }

    private static NettyChannelBuilder builder(String host, int port) {
        return NettyChannelBuilder.forAddress(host, port)
                .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true);
    }
}
