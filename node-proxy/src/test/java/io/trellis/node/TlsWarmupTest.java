package io.trellis.node;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.trellis.identity.CertificateAuthority;
import io.trellis.identity.SpiffeId;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The in-memory mutual-TLS handshake that warms a new node-proxy up before its first pod takes traffic. */
class TlsWarmupTest {

    @Test
    void handshakesOnceWithTheWorkloadCertificate() {
        Clock clock = Clock.systemUTC();
        CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1), clock);
        Logger logger = (Logger) LoggerFactory.getLogger(TlsWarmup.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        try {
            TlsWarmup warmup = new TlsWarmup(clock);
            warmup.warm(ca.issue(SpiffeId.of("cluster.local", "default", "a"), Duration.ofHours(1)));
            warmup.warm(ca.issue(SpiffeId.of("cluster.local", "default", "b"), Duration.ofHours(1)));
        } finally {
            logger.detachAppender(events);
        }
        assertThat(events.list).extracting(ILoggingEvent::getFormattedMessage)
                .singleElement().asString().startsWith("event=tls_warmed_up identity=spiffe://cluster.local/ns/default/sa/a");
    }
}
