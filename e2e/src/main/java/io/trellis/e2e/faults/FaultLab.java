package io.trellis.e2e.faults;

import io.trellis.e2e.ChildJvm;
import io.trellis.e2e.MeshLab;
import io.trellis.e2e.Poll;
import io.trellis.e2e.Prometheus;
import io.trellis.install.lab.LabProcess;
import io.trellis.install.lab.LabSpec;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the fault scenarios share: the standard mesh on a fresh prefix, checksum servers in pods, {@code kill -9},
 * and waiting out a fault while watching that the mesh's processes stay up.
 */
public final class FaultLab {

    /** The port the checksum servers listen on: the target port of the standard lab's Services (80 to 8080). */
    public static final int APP_PORT = 8080;
    /** Service port of the standard lab's Services. */
    public static final int SERVICE_PORT = 80;

    private FaultLab() {
    }

    /** A lab prefix of our own: {@code trflt-<6 hex>}. */
    public static String prefix() {
        byte[] id = new byte[3];
        new SecureRandom().nextBytes(id);
        return "trflt-" + HexFormat.of().formatHex(id);
    }

    /** Nodes node1 (pods a1, a2, the controller) and node2 (pods b1, b2); Services a and b; every pod enrolled. */
    public static MeshLab standardMesh() {
        return MeshLab.start(new MeshLab.Options(LabSpec.standard(prefix(), 2, 2), "node1", Set.of(), Map.of()));
    }

    /** Starts a {@link ChecksumServerMain} on {@link #APP_PORT} in each pod and waits until each answers locally. */
    public static Map<String, LabProcess> startTargets(MeshLab mesh, List<String> pods) {
        Map<String, LabProcess> out = new LinkedHashMap<>();
        for (String pod : pods) {
            out.put(pod, mesh.startApp(pod, "checksum-" + pod, ChildJvm.command(ChecksumServerMain.class.getName(),
                    List.of(String.valueOf(APP_PORT)))));
        }
        for (String pod : pods) {
            // from inside the pod itself: loopback is never captured
            Poll.until("checksum server in " + pod, MeshLab.STARTUP, () -> mesh.lab().pod(pod)
                    .exec("curl", "-sf", "--max-time", "2", "http://127.0.0.1:" + APP_PORT + "/healthz").ok());
        }
        return out;
    }

    /** SIGKILL to the process and everything it started ({@code ip netns exec} may sit between). */
    public static void killNine(LabProcess p) {
        ProcessHandle.of(p.pid()).ifPresent(h -> {
            h.descendants().forEach(ProcessHandle::destroyForcibly);
            h.destroyForcibly();
        });
        Poll.until(p.name() + " to die of SIGKILL", Duration.ofSeconds(10), () -> !p.isAlive());
    }

    /**
     * Lets {@code duration} pass while the fault lasts, failing early if one of {@code mustLive} (mesh processes that
     * should ride it out) dies.
     */
    public static void hold(MeshLab mesh, Duration duration, List<String> mustLive) {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            for (String name : mustLive) {
                if (!mesh.process(name).isAlive()) {
                    throw new IllegalStateException(name + " died during the fault:" + mesh.processLogs());
                }
            }
            try {
                Thread.sleep(Math.min(500, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while holding the fault", e);
            }
        }
    }

    /** Whether the node-proxy on {@code node} has its xDS stream to the controller up. */
    public static boolean xdsConnected(MeshLab mesh, String node) {
        return Prometheus.sum(mesh.metrics(node).lines("trellis_xds_client_connected")) >= 1;
    }

    /** The node-proxy process names of the standard mesh. */
    public static List<String> nodeProxies(MeshLab mesh) {
        return mesh.lab().nodes().stream().map(n -> "node-proxy-" + n.name()).toList();
    }
}
