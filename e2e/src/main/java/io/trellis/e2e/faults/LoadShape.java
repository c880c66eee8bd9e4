package io.trellis.e2e.faults;

/**
 * How hard a scenario's steady load pushes: {@code workers} closed loops, each starting one transfer of
 * {@code bodyBytes} (echoed back, so twice that is verified) every {@code intervalMillis} on a new connection, giving up
 * on one after {@code timeoutMillis} without progress.
 */
public record LoadShape(int workers, int intervalMillis, int bodyBytes, int timeoutMillis) {

    /** 4 workers x 10 transfers/s of 64 KiB each way, 5 s timeout: ~40 new connections and ~5 MiB/s through the mesh. */
    public static final LoadShape DEFAULT = new LoadShape(4, 100, 64 * 1024, 5000);

    public LoadShape {
        if (workers < 1 || intervalMillis < 1 || bodyBytes < 1 || timeoutMillis < 1) {
            throw new IllegalArgumentException("load shape values must be positive: " + this);
        }
    }

    /** The target rate in transfers per second. */
    public double rate() {
        return workers * 1000.0 / intervalMillis;
    }

    /** For the report's "load held" column. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%d × %.0f/s, %d KiB each way, new connection each", workers,
                1000.0 / intervalMillis, bodyBytes / 1024);
    }
}
