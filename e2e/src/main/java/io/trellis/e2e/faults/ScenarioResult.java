package io.trellis.e2e.faults;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One fault scenario's row in the reliability report (also written as JSON next to it).
 *
 * @param scenario       short id, also the JSON file's name (e.g. {@code controller-down})
 * @param fault          what was done, in words
 * @param load           the load held ({@link LoadShape#describe} plus the path)
 * @param faultMillis    how long the fault lasted
 * @param runMillis      how long the load ran in all (before, during and after the fault)
 * @param recoveryMillis the scenario's recovery measure (see {@code recoveryMeaning}), null when it never recovered
 *                       within the run or the scenario has none
 * @param recoveryMeaning what {@code recoveryMillis} measures
 * @param notes          what else was observed (convergence checks, failures in flight)
 * @param finishedAt     ISO-8601 time the scenario ended
 */
public record ScenarioResult(String scenario, String fault, String load, long faultMillis, long runMillis, long ok,
                             long failed, long corrupted, long verifiedBytes, @Nullable Long recoveryMillis,
                             String recoveryMeaning, Map<String, Long> failuresByKind, String notes,
                             String finishedAt) {

    public ScenarioResult {
        failuresByKind = Map.copyOf(failuresByKind);
    }

    /** A result from a load tally. */
    public static ScenarioResult of(String scenario, String fault, String load, long faultMillis, long runMillis,
            LoadTally tally, @Nullable Long recoveryMillis, String recoveryMeaning, String notes) {
        return new ScenarioResult(scenario, fault, load, faultMillis, runMillis, tally.ok(), tally.failed(),
                tally.corrupted(), tally.verifiedBytes(), recoveryMillis, recoveryMeaning, tally.failuresByKind(),
                notes, java.time.Instant.now().toString());
    }
}
