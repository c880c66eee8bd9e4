package io.trellis.proxy.core.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The proxies' logging, set up in code when nobody configured logback: event lines ({@link EventLineLayout}) on
 * stderr; root level from {@code TRELLIS_LOG_LEVEL} (default INFO); {@code io.grpc} at WARN; logger
 * {@code trellis.access} at {@code TRELLIS_ACCESS_LOG_LEVEL} (default INFO) and without appenders: its level only
 * switches the proxies' access logs, which a background thread writes to stdout
 * ({@link io.trellis.proxy.core.telemetry.AccessLogWriter}).
 *
 * <p>Registered as a logback {@link Configurator} service. It steps aside, leaving logback's usual search to run,
 * when {@code -Dlogback.configurationFile} is set or a {@code logback-test.xml} or {@code logback.xml} is on the
 * class path: an operator's own configuration always wins. Doing this in code keeps logback's XML configurator, the
 * JDK's XML parser and the pattern parser (about 700 classes, several MB of class metadata) out of every proxy.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_LOW_PRIORITY)
public final class ProxyLogConfigurator extends ContextAwareBase implements Configurator {

    /** Root level. */
    public static final String LEVEL_ENV = "TRELLIS_LOG_LEVEL";
    /** Level of the access-log logger ({@code OFF} disables the proxy's access log). */
    public static final String ACCESS_LEVEL_ENV = "TRELLIS_ACCESS_LOG_LEVEL";
    /**
     * System property: {@code true} makes a {@code logback.xml} elsewhere on the class path irrelevant (a test lab
     * whose child JVMs share one class path of many modules); {@code -Dlogback.configurationFile} still wins.
     */
    public static final String BUILTIN_PROPERTY = "trellis.logging.builtin";
    static final String ACCESS_LOGGER = "trellis.access";

    private final Map<String, String> env;
    private final Predicate<String> onClassPath;

    /** The service constructor: the process environment and the context class loader's resources. */
    public ProxyLogConfigurator() {
        this(System.getenv(), resource -> {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            if (loader == null) {
                loader = ProxyLogConfigurator.class.getClassLoader();
            }
            return loader.getResource(resource) != null;
        });
    }

    ProxyLogConfigurator(Map<String, String> env, Predicate<String> onClassPath) {
        this.env = env;
        this.onClassPath = onClassPath;
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        boolean builtin = Boolean.getBoolean(BUILTIN_PROPERTY);
        if (System.getProperty("logback.configurationFile") != null
                || !builtin && (onClassPath.test("logback-test.xml") || onClassPath.test("logback.xml"))) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        List<String> problems = new ArrayList<>();
        EventLineLayout layout = new EventLineLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();

        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(level(LEVEL_ENV, problems));
        root.addAppender(stderr);
        context.getLogger("io.grpc").setLevel(Level.WARN);
        ch.qos.logback.classic.Logger access = context.getLogger(ACCESS_LOGGER);
        access.setLevel(level(ACCESS_LEVEL_ENV, problems));
        access.setAdditive(false);
        for (String problem : problems) {
            // logback's own logger: slf4j is still initialising while configurators run
            context.getLogger(ProxyLogConfigurator.class).warn("event=log_config_invalid reason=\"{}\"", problem);
        }
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** The level in {@code variable}, INFO when unset; INFO and a recorded problem when it names no level. */
    private Level level(String variable, List<String> problems) {
        String value = env.get(variable);
        if (value == null || value.isBlank()) {
            return Level.INFO;
        }
        Level parsed = Level.toLevel(value.trim(), null);
        if (parsed == null || !parsed.levelStr.equalsIgnoreCase(value.trim())) {
            problems.add(variable + "=" + value + " is not a level (use trace, debug, info, warn, error or off); "
                    + "using info");
            return Level.INFO;
        }
        return parsed;
    }
}
