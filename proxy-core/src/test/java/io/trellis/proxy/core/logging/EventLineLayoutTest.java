package io.trellis.proxy.core.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class EventLineLayoutTest {

    private final LoggerContext context = new LoggerContext();

    @Test
    void writesWhatTheEquivalentPatternWrites() {
        PatternLayout pattern = new PatternLayout();
        pattern.setContext(context);
        pattern.setPattern(EventLineLayout.EQUIVALENT_PATTERN);
        pattern.start();
        EventLineLayout layout = new EventLineLayout();
        layout.setContext(context);
        layout.start();

        IOException withSuppressed = new IOException("write failed");
        withSuppressed.addSuppressed(new IllegalStateException("close failed"));
        List<LoggingEvent> events = List.of(
                event("io.trellis.node.proxy.OutboundForwarder", Level.INFO, "event=outbound_failed dst={} reason=\"{}\"",
                        null, "10.0.0.1:80", "refused"),
                event("ROOT", Level.WARN, "no dots in this logger", null),
                event("io.trellis.x.Y", Level.ERROR, "with a cause", new UncheckedIOException("outer",
                        new IOException("inner", new IllegalArgumentException()))),
                event("io.trellis.x.Y", Level.DEBUG, "with suppressed", withSuppressed),
                event("a.b", Level.TRACE, "message with {} but no argument", new RuntimeException((String) null)));
        for (LoggingEvent e : events) {
            assertThat(layout.doLayout(e)).isEqualTo(pattern.doLayout(e));
        }
        assertThat(layout.doLayout(events.getFirst()))
                .matches("time=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z level=INFO logger=OutboundForwarder "
                        + "thread=\\S+ event=outbound_failed dst=10.0.0.1:80 reason=\"refused\"\\R");
    }

    private LoggingEvent event(String logger, Level level, String message, @Nullable Throwable error, Object... args) {
        LoggingEvent e = new LoggingEvent(EventLineLayoutTest.class.getName(), context.getLogger(logger), level,
                message, error, args);
        e.setTimeStamp(1_764_158_400_123L);
        return e;
    }
}
