package io.trellis.identity.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class DurationConverterTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "3650d, PT87600H",
        "24h, PT24H",
        "90m, PT1H30M",
        "30s, PT30S",
        "1h30m, PT1H30M",
        "1d12h, PT36H",
        "PT24H, PT24H",
        "P1D, PT24H",
    })
    void parses(String text, String iso) {
        assertThat(DurationConverter.parse(text)).isEqualTo(Duration.parse(iso));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"", "h", "24", "24x", "-1h", "1h-", "0s", "PT0S", "P", "1.5h", "99999999999999999999d"})
    void rejects(String text) {
        assertThatThrownBy(() -> DurationConverter.parse(text))
                .isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("'" + text + "'");
    }
}
