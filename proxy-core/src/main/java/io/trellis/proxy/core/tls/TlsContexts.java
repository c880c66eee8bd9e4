package io.trellis.proxy.core.tls;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.trellis.identity.SvidVerifier;
import io.trellis.identity.WorkloadCertificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Locale;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the TLS contexts of HBONE: TLS 1.3 only, mutual TLS, ALPN {@code h2}, SPIFFE trust.
 *
 * <p>Provider setting: system property {@code trellis.tls.provider} or environment variable
 * {@code TRELLIS_TLS_PROVIDER}, one of {@code auto} (default: BoringSSL through netty-tcnative when
 * it loads and supports TLS 1.3, else the JDK), {@code openssl}, {@code jdk}. Chosen and logged once.
 *
 * <p>Contexts are immutable and expensive to build: build one per certificate (and again when it
 * rotates) and share it across connections.
 */
public final class TlsContexts {

    /** System property overriding the environment variable. */
    public static final String PROPERTY = "trellis.tls.provider";
    /** Environment variable read when the property is unset. */
    public static final String ENV = "TRELLIS_TLS_PROVIDER";

    private static final Logger LOG = LoggerFactory.getLogger(TlsContexts.class);
    private static final String TLS_13 = "TLSv1.3";

    private TlsContexts() {}

    /** The provider chosen from the setting (computed and logged once). */
    public static SslProvider provider() {
        return Holder.PROVIDER;
    }

    /**
     * Server side: presents {@code certificate}, requires a client certificate that chains to the
     * certificate's trust bundle at {@code clock}'s time.
     */
    public static SslContext server(WorkloadCertificate certificate, Clock clock) {
        return server(certificate, new SvidVerifier(certificate.trustBundle(), clock));
    }

    /** Server side with an explicit verifier (e.g. a bundle shared by many certificates). */
    public static SslContext server(WorkloadCertificate certificate, SvidVerifier verifier) {
        try {
            return common(SslContextBuilder.forServer(certificate.privateKey(), chain(certificate)), verifier)
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the HBONE server TLS context for " + certificate.id()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Client side: presents {@code certificate} and accepts servers whose chain leads to its trust
     * bundle. Which server identity is expected is checked per connection, after the handshake.
     */
    public static SslContext client(WorkloadCertificate certificate, Clock clock) {
        return client(certificate, new SvidVerifier(certificate.trustBundle(), clock));
    }

    /** Client side with an explicit verifier. */
    public static SslContext client(WorkloadCertificate certificate, SvidVerifier verifier) {
        try {
            return common(SslContextBuilder.forClient().keyManager(certificate.privateKey(), chain(certificate)),
                    verifier)
                    // No hostname verification: SPIFFE identity is the URI SAN, checked after the handshake.
                    .endpointIdentificationAlgorithm(null)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the HBONE client TLS context for " + certificate.id()
                    + ": " + e.getMessage(), e);
        }
    }

    private static SslContextBuilder common(SslContextBuilder builder, SvidVerifier verifier) {
        return builder
                .sslProvider(provider())
                .protocols(TLS_13)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .trustManager(new SvidTrustManager(verifier))
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        // Both behaviours let the handshake finish so we can fail with our own message
                        // ("peer did not negotiate h2") instead of an opaque TLS alert.
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2));
    }

    private static X509Certificate[] chain(WorkloadCertificate certificate) {
        return certificate.chain().toArray(new X509Certificate[0]);
    }

    static SslProvider choose(String setting, boolean openSslUsable, String openSslProblem) {
        return switch (setting) {
            case "auto" -> openSslUsable ? SslProvider.OPENSSL : SslProvider.JDK;
            case "openssl" -> {
                if (!openSslUsable) {
                    throw new IllegalStateException(ENV + "=openssl but BoringSSL is unusable: " + openSslProblem
                            + "; use auto or jdk");
                }
                yield SslProvider.OPENSSL;
            }
            case "jdk" -> SslProvider.JDK;
            default -> throw new IllegalArgumentException(ENV + "=" + setting
                    + " is not a TLS provider; use one of auto, openssl, jdk");
        };
    }

    private static final class Holder {
        static final SslProvider PROVIDER = resolve();

        private static SslProvider resolve() {
            String setting = System.getProperty(PROPERTY);
            if (setting == null || setting.isBlank()) {
                setting = System.getenv(ENV);
            }
            setting = setting == null || setting.isBlank() ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
            boolean available = OpenSsl.isAvailable();
            boolean usable = available && OpenSsl.isCipherSuiteAvailable("TLS_AES_128_GCM_SHA256");
            String problem = !available ? String.valueOf(OpenSsl.unavailabilityCause())
                    : (usable ? "" : "the loaded library lacks TLS 1.3");
            SslProvider provider = choose(setting, usable, problem);
            LOG.info("event=tls_provider_selected provider={} setting={} reason=\"{}\"", provider, setting,
                    provider == SslProvider.OPENSSL ? "BoringSSL " + OpenSsl.versionString()
                            : (usable ? "requested" : "BoringSSL unavailable: " + problem));
            return provider;
        }
    }
}
