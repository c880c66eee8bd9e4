package io.trellis.proxy.core.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.jspecify.annotations.Nullable;

/**
 * One event per line: {@code time=<ISO-8601 UTC, ms> level=<LEVEL> logger=<simple name> thread=<name> <message>},
 * then, for an exception, its {@code toString()} and first stack frame, and the same for each cause. The output is
 * that of the pattern {@link #EQUIVALENT_PATTERN}, written directly instead of through logback's pattern parser.
 */
public final class EventLineLayout extends LayoutBase<ILoggingEvent> {

    /** The logback pattern whose output this layout reproduces (a test holds them equal). */
    public static final String EQUIVALENT_PATTERN =
            "time=%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX,UTC} level=%level logger=%logger{0} thread=%thread %msg%n%ex{short}";

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneOffset.UTC);

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        line.append("time=");
        TIME.formatTo(Instant.ofEpochMilli(event.getTimeStamp()), line);
        line.append(" level=").append(event.getLevel().levelStr)
                .append(" logger=").append(simpleName(event.getLoggerName()))
                .append(" thread=").append(event.getThreadName())
                .append(' ').append(event.getFormattedMessage())
                .append(CoreConstants.LINE_SEPARATOR);
        appendThrowable(line, event.getThrowableProxy());
        return line.toString();
    }

    private static String simpleName(String logger) {
        int dot = logger.lastIndexOf('.');
        return dot < 0 ? logger : logger.substring(dot + 1);
    }

    /** {@code %ex{short}}: each throwable of the chain (suppressed ones indented) with its first frame only. */
    private static void appendThrowable(StringBuilder line, @Nullable IThrowableProxy throwable) {
        appendThrowable(line, "", 1, throwable);
    }

    private static void appendThrowable(StringBuilder line, String prefix, int indent, @Nullable IThrowableProxy t) {
        if (t == null) {
            return;
        }
        line.append("\t".repeat(indent - 1)).append(prefix)
                .append(t.getClassName());
        if (t.getMessage() != null) {
            line.append(": ").append(t.getMessage());
        }
        line.append(CoreConstants.LINE_SEPARATOR);
        StackTraceElementProxy[] frames = t.getStackTraceElementProxyArray();
        if (frames.length > 0) {
            line.append("\t".repeat(indent)).append(frames[0].getSTEAsString())
                    .append(CoreConstants.LINE_SEPARATOR);
        }
        IThrowableProxy[] suppressed = t.getSuppressed();
        if (suppressed != null) {
            for (IThrowableProxy s : suppressed) {
                appendThrowable(line, CoreConstants.SUPPRESSED, indent + 1, s);
            }
        }
        appendThrowable(line, CoreConstants.CAUSED_BY, indent, t.getCause());
    }
}
