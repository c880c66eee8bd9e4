package io.trellis.identity.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Parses operator durations: {@code 3650d}, {@code 24h}, {@code 90m}, {@code 30s}, {@code 1h30m}, or ISO-8601 {@code PT24H}. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    private static final Pattern PART = Pattern.compile("(\\d+)(d|h|m|s)");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String text = value.trim();
        if (text.startsWith("P") || text.startsWith("p")) {
            try {
                return positive(Duration.parse(text), value);
            } catch (DateTimeParseException e) {
                throw invalid(value);
            }
        }
        Matcher matcher = PART.matcher(text);
        Duration total = Duration.ZERO;
        int end = 0;
        while (matcher.find() && matcher.start() == end) {
            long amount;
            try {
                amount = Long.parseLong(matcher.group(1));
                total = switch (matcher.group(2)) {
                    case "d" -> total.plusDays(amount);
                    case "h" -> total.plusHours(amount);
                    case "m" -> total.plusMinutes(amount);
                    default -> total.plusSeconds(amount);
                };
            } catch (ArithmeticException | NumberFormatException e) {
                throw invalid(value);
            }
            end = matcher.end();
        }
        if (end == 0 || end != text.length()) {
            throw invalid(value);
        }
        return positive(total, value);
    }

    private static Duration positive(Duration duration, String value) {
        if (duration.isNegative() || duration.isZero()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a positive duration");
        }
        return duration;
    }

    private static CommandLine.TypeConversionException invalid(String value) {
        return new CommandLine.TypeConversionException("'" + value
                + "' is not a duration; use e.g. 3650d, 24h, 90m, 30s, 1h30m or PT24H");
    }
}
