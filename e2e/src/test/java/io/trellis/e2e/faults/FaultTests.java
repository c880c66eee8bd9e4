package io.trellis.e2e.faults;

import io.trellis.e2e.MeshLab;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** What the fault tests share: the root/tools assumption and the {@code -Dtrellis.long=true} switch. */
final class FaultTests {

    /** {@code -Dtrellis.long=true}: the long versions of the scenarios (minutes instead of seconds). */
    static final boolean LONG = Boolean.getBoolean("trellis.long");

    private FaultTests() {
    }

    /** Skips (not fails) the calling test unless this is root on a machine with the lab's tools. */
    static void assumeLab() {
        List<String> missing = MeshLab.missingPrerequisites();
        Assumptions.assumeTrue(missing.isEmpty(), "the lab needs " + missing);
    }

    /** {@code normal}, or {@code long} under {@code -Dtrellis.long=true}. */
    static Duration duration(Duration normal, Duration longRun) {
        return LONG ? longRun : normal;
    }
}
