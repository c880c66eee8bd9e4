package io.trellis.proxy.core.transport;

import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the I/O transport: io_uring, then epoll, then NIO.
 *
 * <p>Setting: system property {@code trellis.transport} or environment variable
 * {@code TRELLIS_TRANSPORT}, one of {@code auto} (default), {@code io_uring}, {@code epoll},
 * {@code nio}. An explicitly requested transport that is unavailable falls back down the same
 * order with a warning naming the cause, so a proxy still starts on an older kernel.
 */
public final class Transports {

    /** System property that overrides the environment variable. */
    public static final String PROPERTY = "trellis.transport";
    /** Environment variable read when the property is unset. */
    public static final String ENV = "TRELLIS_TRANSPORT";

    private static final Logger LOG = LoggerFactory.getLogger(Transports.class);
    private static final List<Transport> PREFERENCE = List.of(Transport.IO_URING, Transport.EPOLL, Transport.NIO);

    private Transports() {}

    /** The process-wide choice from the setting; computed and logged once. */
    public static TransportChoice choice() {
        return Holder.CHOICE;
    }

    /** Event loops for the data plane: one per core, as a connection stays on one loop. */
    public static int defaultThreads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Reads the setting; {@code auto} when unset. */
    static String setting() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            value = System.getenv(ENV);
        }
        return value == null || value.isBlank() ? "auto" : value.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * Resolves a setting against what is available.
     *
     * @throws IllegalArgumentException for a value that names no transport
     */
    static TransportChoice choose(String setting, Predicate<Transport> available) {
        Transport requested = null;
        if (!setting.equals("auto")) {
            for (Transport t : Transport.values()) {
                if (t.settingName().equals(setting)) {
                    requested = t;
                }
            }
            if (requested == null) {
                throw new IllegalArgumentException(ENV + "=" + setting
                        + " is not a transport; use one of auto, io_uring, epoll, nio");
            }
        }
        int start = requested == null ? 0 : PREFERENCE.indexOf(requested);
        StringBuilder skipped = new StringBuilder();
        for (int i = start; i < PREFERENCE.size(); i++) {
            Transport t = PREFERENCE.get(i);
            if (available.test(t)) {
                String reason = skipped.isEmpty()
                        ? (requested == null ? "auto: best available" : "requested")
                        : (requested == null ? "auto: " : "requested " + requested.settingName() + " but ") + skipped;
                return new TransportChoice(t, reason);
            }
            if (!skipped.isEmpty()) {
                skipped.append("; ");
            }
            skipped.append(t.settingName()).append(" unavailable (").append(describe(t.unavailabilityCause())).append(')');
        }
        throw new IllegalStateException("no transport available: " + skipped);
    }

    private static String describe(@Nullable Throwable cause) {
        if (cause == null) {
            return "not supported here";
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static final class Holder {
        static final TransportChoice CHOICE = resolve();

        private static TransportChoice resolve() {
            String setting = setting();
            TransportChoice choice = choose(setting, Transport::isAvailable);
            if (choice.reason().contains("unavailable") && !setting.equals("auto")) {
                LOG.warn("event=transport_selected transport={} setting={} reason=\"{}\"",
                        choice.transport().settingName(), setting, choice.reason());
            } else {
                LOG.info("event=transport_selected transport={} setting={} reason=\"{}\"",
                        choice.transport().settingName(), setting, choice.reason());
            }
            return choice;
        }
    }
}
