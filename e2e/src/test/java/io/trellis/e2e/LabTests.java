package io.trellis.e2e;

import io.trellis.install.lab.LabSpec;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;

/** What the lab tests share: the root/tools assumption and the standard 2-node x 2-pod mesh on a fresh prefix. */
final class LabTests {

    private LabTests() {
    }

    /** Skips (not fails) the calling test unless this is root on a machine with the lab's tools. */
    static void assumeLab() {
        List<String> missing = MeshLab.missingPrerequisites();
        Assumptions.assumeTrue(missing.isEmpty(), "the lab needs " + missing);
    }

    /** Nodes node1, node2 with pods a1, a2 and b1, b2 (services a and b), controller on node1; a random prefix. */
    static MeshLab standardMesh(Set<String> notEnrolled) {
        byte[] id = new byte[3];
        new SecureRandom().nextBytes(id);
        String prefix = "tre2e-" + HexFormat.of().formatHex(id);
        return MeshLab.start(new MeshLab.Options(LabSpec.standard(prefix, 2, 2), "node1", notEnrolled, Map.of()));
    }
}
