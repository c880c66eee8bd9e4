package io.trellis.proxy.core.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProxyLogConfiguratorTest {

    private final LoggerContext context = new LoggerContext();

    @Test
    void configuresEventLinesOnStderrWithLevelsFromTheEnvironment() {
        ProxyLogConfigurator configurator = new ProxyLogConfigurator(
                Map.of("TRELLIS_LOG_LEVEL", "debug", "TRELLIS_ACCESS_LOG_LEVEL", "OFF"), resource -> false);
        configurator.setContext(context);

        assertThat(configurator.configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
        Appender<ILoggingEvent> appender = root.getAppender("STDERR");
        assertThat(appender).isInstanceOf(ConsoleAppender.class);
        ConsoleAppender<ILoggingEvent> console = (ConsoleAppender<ILoggingEvent>) appender;
        assertThat(console.isStarted()).isTrue();
        assertThat(console.getTarget()).isEqualTo("System.err");
        assertThat(((LayoutWrappingEncoder<ILoggingEvent>) console.getEncoder()).getLayout())
                .isInstanceOf(EventLineLayout.class);
        assertThat(context.getLogger("io.grpc").getEffectiveLevel()).isEqualTo(Level.WARN);
        ch.qos.logback.classic.Logger access = context.getLogger(ProxyLogConfigurator.ACCESS_LOGGER);
        assertThat(access.getLevel()).isEqualTo(Level.OFF);
        assertThat(access.isAdditive()).isFalse();
    }

    @Test
    void defaultsToInfo() {
        ProxyLogConfigurator configurator = new ProxyLogConfigurator(Map.of(), resource -> false);
        configurator.setContext(context);
        configurator.configure(context);

        assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger(ProxyLogConfigurator.ACCESS_LOGGER).getLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void aLevelThatIsNoLevelFallsBackToInfoAndSaysSo() {
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.setContext(context);
        seen.start();
        context.getLogger(ProxyLogConfigurator.class).addAppender(seen);
        ProxyLogConfigurator configurator = new ProxyLogConfigurator(Map.of("TRELLIS_LOG_LEVEL", "verbose"),
                resource -> false);
        configurator.setContext(context);
        configurator.configure(context);

        assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getLevel()).isEqualTo(Level.INFO);
        assertThat(seen.list).singleElement().satisfies(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.WARN);
            assertThat(e.getFormattedMessage()).contains("event=log_config_invalid")
                    .contains("TRELLIS_LOG_LEVEL=verbose is not a level");
        });
    }

    @Test
    void stepsAsideForAnOperatorsOwnConfiguration() {
        ProxyLogConfigurator withXml = new ProxyLogConfigurator(Map.of(), "logback.xml"::equals);
        withXml.setContext(context);
        assertThat(withXml.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDERR")).isNull();

        ProxyLogConfigurator withTestXml = new ProxyLogConfigurator(Map.of(), "logback-test.xml"::equals);
        withTestXml.setContext(context);
        assertThat(withTestXml.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);

        String previous = System.getProperty("logback.configurationFile");
        System.setProperty("logback.configurationFile", "/etc/trellis/logback.xml");
        try {
            ProxyLogConfigurator withProperty = new ProxyLogConfigurator(Map.of(), resource -> false);
            withProperty.setContext(context);
            assertThat(withProperty.configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        } finally {
            if (previous == null) {
                System.clearProperty("logback.configurationFile");
            } else {
                System.setProperty("logback.configurationFile", previous);
            }
        }
    }
}
