package io.trellis.proxy.core.controller;

import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
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
 * gRPC channels to the controller (xDS, CA and status share one): plaintext to its port 15010 in the lab and local
 * mode, TLS to 15012 in a cluster, where the controller is verified by its SPIFFE id against the mesh root so that a
 * bootstrap token never crosses the pod network in clear nor reaches an impostor. Keepalive pings notice a vanished
 * controller in about 40 s even when no update is due, so the client reconnects to a replacement instead of waiting
 * on a dead connection. Bad options fail with an {@link IllegalArgumentException} naming the command-line option
 * ({@code --controller}, {@code --controller-root-cert}, {@code --controller-identity}), which every command shares.
 */
public final class ControllerChannels {

    /** Ping an idle connection this often (the controller permits 10 s). */
    private static final long KEEPALIVE_SECONDS = 30;
    /** Give up on a connection whose ping is not answered within this. */
    private static final long KEEPALIVE_TIMEOUT_SECONDS = 10;

    private ControllerChannels() {}

    /** The controller's identity when none is given: its Deployment's service account in the root namespace. */
    public static SpiffeId defaultIdentity(String trustDomain) {
        return SpiffeId.of(trustDomain, "trellis-system", "trellis-controller");
    }

    /**
     * The controller's id from {@code --controller-identity} (null: {@link #defaultIdentity}).
     *
     * @throws IllegalArgumentException if it is no SPIFFE id or not in {@code trustDomain}
     */
    public static SpiffeId identity(@Nullable String option, String trustDomain) {
        SpiffeId controller;
        try {
            controller = option == null ? defaultIdentity(trustDomain) : SpiffeId.parse(option);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--controller-identity '" + option + "': " + e.getMessage(), e);
        }
        if (!controller.trustDomain().equals(trustDomain)) {
            throw new IllegalArgumentException("--controller-identity " + controller + " is not in trust domain "
                    + trustDomain + " (--trust-domain)");
        }
        return controller;
    }

    /**
     * The mesh root(s) of {@code --controller-root-cert}.
     *
     * @throws IllegalArgumentException if the file cannot be read or holds no certificate
     */
    public static List<X509Certificate> roots(Path rootCert) {
        List<X509Certificate> roots;
        try {
            roots = PemFiles.readCertificates(rootCert);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--controller-root-cert " + rootCert + ": " + e.getMessage(), e);
        }
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("--controller-root-cert " + rootCert + " holds no certificate");
        }
        return roots;
    }

    /**
     * The channel the command line asks for.
     *
     * @param hostPort the controller's {@code host:port} ({@code [v6]:port} for IPv6)
     * @param rootCert PEM file of the mesh root(s): TLS verified by SPIFFE id; null: plaintext
     * @param controller the controller's SPIFFE id; only checked with {@code rootCert}
     * @param trustDomain the mesh trust domain, which the roots are for and the controller's id must belong to
     * @param clock the time certificate validity is checked against
     * @throws IllegalArgumentException naming the option that is wrong
     */
    public static ManagedChannel open(String hostPort, @Nullable Path rootCert, SpiffeId controller,
            String trustDomain, Clock clock) throws SSLException {
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
        if (!controller.trustDomain().equals(trustDomain)) {
            throw new IllegalArgumentException("--controller-identity " + controller + " is not in trust domain "
                    + trustDomain + " (--trust-domain)");
        }
        if (rootCert == null) {
            return plaintext(host, port);
        }
        return tls(host, port, new TrustBundle(trustDomain, roots(rootCert)), controller, clock);
    }

    /**
     * {@link #open} from the raw option values, {@code identityOption} null meaning {@link #defaultIdentity}.
     *
     * @throws IllegalArgumentException naming the option that is wrong
     */
    public static ManagedChannel fromOptions(String hostPort, @Nullable Path rootCert, @Nullable String identityOption,
            String trustDomain, Clock clock) throws SSLException {
        return open(hostPort, rootCert, identity(identityOption, trustDomain), trustDomain, clock);
    }

    /** Plaintext (the controller's port 15010): the lab, local mode and tests. */
    public static ManagedChannel plaintext(String host, int port) {
        return builder(host, port).usePlaintext().build();
    }

    /**
     * TLS (the controller's port 15012): the controller's chain must lead to {@code bundle} and its URI SAN be
     * {@code controller} (e.g. {@code spiffe://cluster.local/ns/trellis-system/sa/trellis-controller}); host names
     * are not checked (the controller is reached by Service name or pod IP).
     */
    public static ManagedChannel tls(String host, int port, TrustBundle bundle, SpiffeId controller, Clock clock)
            throws SSLException {
        return builder(host, port).sslContext(GrpcSslContexts.forClient()
                .trustManager(new ControllerTrust(new SvidVerifier(bundle, clock), controller)).build()).build();
    }

    private static NettyChannelBuilder builder(String host, int port) {
        // the data plane's allocator: gRPC would otherwise build a pooled allocator of its own, whose 2 MiB chunks
        // sit beside the data plane's pools for a few xDS and CA messages a minute
        return NettyChannelBuilder.forAddress(host, port)
                .withOption(ChannelOption.ALLOCATOR, ByteBufAllocator.DEFAULT)
                .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(true);
    }
}
