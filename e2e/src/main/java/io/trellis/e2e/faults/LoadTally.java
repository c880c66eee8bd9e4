package io.trellis.e2e.faults;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * What a load run came to: transfers ok / failed, bytes verified, failures by kind, and when failures happened.
 *
 * @param corrupted 200 responses whose bytes did not match their checksum (counted in {@code failed} too)
 */
public record LoadTally(long ok, long failed, long corrupted, long verifiedBytes, Map<String, Long> failuresByKind,
                        List<Transfer> transfers) {

    public LoadTally {
        failuresByKind = Map.copyOf(failuresByKind);
        transfers = List.copyOf(transfers);
    }

    public static LoadTally of(List<Transfer> transfers) {
        long ok = 0;
        long failed = 0;
        long corrupted = 0;
        long bytes = 0;
        Map<String, Long> kinds = new TreeMap<>();
        for (Transfer t : transfers) {
            if (t.ok()) {
                ok++;
                bytes += t.verifiedBytes();
            } else {
                failed++;
                kinds.merge(t.detail(), 1L, Long::sum);
                if (t.corrupted()) {
                    corrupted++;
                }
            }
        }
        return new LoadTally(ok, failed, corrupted, bytes, kinds, transfers);
    }

    public long total() {
        return ok + failed;
    }

    /** The transfers that started in {@code [fromMillis, toMillis)}. */
    public LoadTally startedBetween(long fromMillis, long toMillis) {
        return of(select(t -> t.startMillis() >= fromMillis && t.startMillis() < toMillis));
    }

    /** End time of the last failed transfer, if any failed. */
    public OptionalLong lastFailureEnd() {
        return transfers.stream().filter(t -> !t.ok()).mapToLong(Transfer::endMillis).max();
    }

    /** Start time of the first failed transfer, if any failed. */
    public OptionalLong firstFailureStart() {
        return transfers.stream().filter(t -> !t.ok()).mapToLong(Transfer::startMillis).min();
    }

    /**
     * The start of the first transfer at or after {@code fromMillis} from which on every transfer that started later
     * succeeded: the moment the path was healthy for good. Empty when the last transfer failed or none started.
     */
    public OptionalLong healthyFrom(long fromMillis) {
        List<Transfer> after = select(t -> t.startMillis() >= fromMillis);
        long lastFailStart = after.stream().filter(t -> !t.ok()).mapToLong(Transfer::startMillis).max()
                .orElse(Long.MIN_VALUE);
        return after.stream().filter(t -> t.ok() && t.startMillis() > lastFailStart).mapToLong(Transfer::startMillis)
                .min();
    }

    /** One line for logs and failure messages. */
    public String summary() {
        return "ok=" + ok + " failed=" + failed + " corrupted=" + corrupted + " verified_bytes=" + verifiedBytes
                + " failures=" + failuresByKind;
    }

    private List<Transfer> select(Predicate<Transfer> p) {
        return transfers.stream().filter(p).toList();
    }
}
