package io.trellis.proxy.core.telemetry;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Appends an epoch-millisecond time exactly as {@link Instant#toString()} prints it, without its
 * formatter's allocations: the date and time up to the second are rebuilt only when the second changes.
 * One instance per thread (it caches the last second).
 */
public final class IsoMillis {

    /** 0000-01-01T00:00:00Z and 10000-01-01T00:00:00Z: inside, the year has four digits and no sign. */
    private static final long MIN_SECOND = -62_167_219_200L;
    private static final long MAX_SECOND = 253_402_300_800L;

    private long cachedSecond = Long.MIN_VALUE;
    private final char[] prefix = new char[19];

    /** Appends {@code epochMillis} as {@link Instant#ofEpochMilli(long)}{@code .toString()} would. */
    public void append(StringBuilder b, long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        if (second < MIN_SECOND || second >= MAX_SECOND) {
            b.append(Instant.ofEpochMilli(epochMillis));
            return;
        }
        if (second != cachedSecond) {
            fill(LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC));
            cachedSecond = second;
        }
        b.append(prefix);
        int millis = (int) Math.floorMod(epochMillis, 1000);
        if (millis != 0) {
            // Instant.toString prints the fraction in groups of three digits: whole milliseconds are ".SSS".
            b.append('.').append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10))
                    .append((char) ('0' + millis % 10));
        }
        b.append('Z');
    }

    private void fill(LocalDateTime t) {
        digits(0, t.getYear(), 4);
        prefix[4] = '-';
        digits(5, t.getMonthValue(), 2);
        prefix[7] = '-';
        digits(8, t.getDayOfMonth(), 2);
        prefix[10] = 'T';
        digits(11, t.getHour(), 2);
        prefix[13] = ':';
        digits(14, t.getMinute(), 2);
        prefix[16] = ':';
        digits(17, t.getSecond(), 2);
    }

    private void digits(int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            prefix[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
