package io.trellis.node.xds;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.trellis.identity.PeerVerificationException;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.SvidVerifier;
import io.trellis.identity.TrustBundle;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * gRPC channels to the controller (workload xDS and CA share one). Keepalive pings notice a vanished controller in
 * about 40 s even when no update is due, so the client reconnects to a replacement instead of waiting on a dead
 * connection.
 */
public final class ControllerChannels {

    /** Ping an idle connection this often (the controller permits 10 s). */
    private static final long KEEPALIVE_SECONDS = 30;
    /** Give up on a connection whose ping is not answered within this. */
    private static final long KEEPALIVE_TIMEOUT_SECONDS = 10;

    private ControllerChannels() {}

    /** Plaintext (port 15010): the lab and tests. */
    public static ManagedChannel plaintext(String host, int port) {
        return builder(host, port).usePlaintext().build();
    }

    /**
     * TLS (port 15012), verifying the controller SPIFFE-style: its chain must lead to {@code bundle} and its URI SAN
     * must be {@code controller} (e.g. {@code spiffe://cluster.local/ns/trellis-system/sa/trellis-controller}); host
     * names are not checked.
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

    /** Server verification by SPIFFE id instead of host name. Never used for clients. */
    private static final class ControllerTrust extends X509ExtendedTrustManager {
        private final SvidVerifier verifier;
        private final SpiffeId expected;

        ControllerTrust(SvidVerifier verifier, SpiffeId expected) {
            this.verifier = verifier;
            this.expected = expected;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                verifier.verify(Arrays.asList(chain), expected);
            } catch (PeerVerificationException e) {
                throw new CertificateException("the controller's certificate is not " + expected + ": "
                        + e.getMessage(), e);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("this trust manager only verifies the controller");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
