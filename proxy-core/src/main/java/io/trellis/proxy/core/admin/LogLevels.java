package io.trellis.proxy.core.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/** Reads and changes logback levels at run time (admin {@code /logging}). */
public final class LogLevels {

    private final LoggerContext context;

    private LogLevels(LoggerContext context) {
        this.context = context;
    }

    /** The levels of the running logback; fails with a clear message when slf4j is bound to something else. */
    public static LogLevels logback() {
        ILoggerFactory f = LoggerFactory.getILoggerFactory();
        if (!(f instanceof LoggerContext ctx)) {
            throw new IllegalStateException("log levels can only be changed with logback; slf4j is bound to "
                    + f.getClass().getName());
        }
        return new LogLevels(ctx);
    }

    /**
     * Sets {@code logger}'s level ({@code ROOT} for all).
     *
     * @throws IllegalArgumentException for an unknown level name
     */
    public void set(String logger, String level) {
        context.getLogger(logger).setLevel(parse(level));
    }

    /** Checks a level name without changing anything. */
    public void validate(String level) {
        parse(level);
    }

    private static Level parse(String level) {
        Level parsed = Level.toLevel(level, null);
        if (parsed == null || !parsed.levelStr.equalsIgnoreCase(level)) {
            throw new IllegalArgumentException("unknown level '" + level
                    + "'; use trace, debug, info, warn, error or off");
        }
        return parsed;
    }

    /** Loggers with an explicit level, and the root's. */
    public Map<String, String> levels() {
        Map<String, String> out = new TreeMap<>();
        for (Logger l : context.getLoggerList()) {
            if (l.getLevel() != null) {
                out.put(l.getName(), l.getLevel().levelStr.toLowerCase(java.util.Locale.ROOT));
            }
        }
        return out;
    }
}
