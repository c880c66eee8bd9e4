package io.trellis.e2e.loopback;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Looks at an HBONE listener from the outside, the way {@code openssl s_client} would, to show what is on the wire
 * when no capture is possible: a plaintext request gets no HTTP answer; a TLS client sees TLS 1.3, ALPN {@code h2} and
 * the workload's SPIFFE certificate, and is refused once it shows no client certificate of its own (mutual TLS).
 * It trusts whatever certificate it is shown: it inspects, it does not authenticate.
 *
 * @param plaintextAnswer what a plaintext HTTP request got back: the first bytes in hex, or {@code closed}
 * @param plaintextRejected whether that was anything but an HTTP response
 * @param protocol the negotiated TLS version
 * @param alpn the negotiated application protocol
 * @param peerUris the URI SANs of the listener's certificate (its SPIFFE id)
 * @param peerIssuer the certificate's issuer
 * @param clientRefusal how the listener refused a client without a certificate, empty if it did not
 */
public record TlsProbe(String plaintextAnswer, boolean plaintextRejected, String protocol, String alpn,
        List<String> peerUris, String peerIssuer, String clientRefusal) {

    private static final int TIMEOUT_MS = 3000;

    /** Probes {@code ip:port}. */
    public static TlsProbe probe(String ip, int port) throws IOException {
        String plaintext = plaintext(ip, port);
        try {
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(null, new TrustManager[] {new InspectOnly()}, null);
            try (SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket()) {
                s.connect(new InetSocketAddress(ip, port), TIMEOUT_MS);
                s.setSoTimeout(TIMEOUT_MS);
                SSLParameters p = s.getSSLParameters();
                p.setApplicationProtocols(new String[] {"h2"});
                p.setProtocols(new String[] {"TLSv1.3"});
                s.setSSLParameters(p);
                s.startHandshake();
                X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
                String protocol = s.getSession().getProtocol();
                String alpn = String.valueOf(s.getApplicationProtocol());
                String refusal = "";
                try {
                    // TLS 1.3: the server judges the client's (empty) certificate after the client's handshake ends
                    s.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    int b = s.getInputStream().read();
                    refusal = b < 0 ? "connection closed without an answer" : "";
                } catch (SSLException e) {
                    refusal = String.valueOf(e.getMessage());
                } catch (IOException e) {
                    refusal = "connection closed: " + e.getMessage();
                }
                return new TlsProbe(plaintext.isEmpty() ? "closed" : plaintext, !plaintext.startsWith(hex("HTTP/")),
                        protocol, alpn, uris(peer), peer.getIssuerX500Principal().getName(), refusal);
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("this JVM cannot make a TLS 1.3 client: " + e.getMessage(), e);
        }
    }

    /** Sends a plaintext HTTP/1.1 request; returns the first bytes of the answer in hex, empty when closed. */
    private static String plaintext(String ip, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(ip, port), TIMEOUT_MS);
            s.setSoTimeout(TIMEOUT_MS);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: probe\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buf = new byte[16];
            InputStream in = s.getInputStream();
            int n;
            try {
                n = in.read(buf);
            } catch (IOException e) {
                return ""; // reset: no answer
            }
            return n <= 0 ? "" : HexFormat.of().formatHex(buf, 0, n);
        }
    }

    private static String hex(String s) {
        return HexFormat.of().formatHex(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static List<String> uris(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                for (List<?> san : cert.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(6).equals(san.get(0))) {
                        out.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            out.add("unparseable SAN: " + e.getMessage());
        }
        return out;
    }

    /** Accepts any server certificate: the probe reports what it was shown, it makes no trust decision. */
    private static final class InspectOnly implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
