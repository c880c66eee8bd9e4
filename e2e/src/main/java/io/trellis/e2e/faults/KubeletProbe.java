package io.trellis.e2e.faults;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.trellis.e2e.MeshLab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the kubelet and the endpoints controller do for a dead pod in a cluster, done for the lab: a readiness probe
 * (an exec probe: {@code curl 127.0.0.1:<port>/healthz} inside the pod, every {@code period}) and, after
 * {@code failureThreshold} failures in a row, the pod's status set to not running in the controller's view of the lab
 * ({@code lab.yaml}, replaced atomically so the controller never reads half a file). The controller then marks the
 * workload unhealthy and the node-proxies stop choosing it.
 */
final class KubeletProbe {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private KubeletProbe() {
    }

    /**
     * Probes {@code pod} until it fails {@code failureThreshold} times in a row (at most {@code limit}), then marks it
     * failed; returns when it was marked (epoch ms).
     */
    static long probeUntilNotReady(MeshLab mesh, String pod, int port, Duration period, int failureThreshold,
            Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        int failures = 0;
        while (failures < failureThreshold) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pod " + pod + " kept passing its readiness probe for " + limit);
            }
            boolean ok = mesh.lab().pod(pod).exec("curl", "-sf", "--max-time", "1",
                    "http://127.0.0.1:" + port + "/healthz").ok();
            failures = ok ? 0 : failures + 1;
            if (failures < failureThreshold) {
                try {
                    Thread.sleep(period.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while probing " + pod, e);
                }
            }
        }
        setPhase(mesh, pod, "Failed");
        return System.currentTimeMillis();
    }

    /** Sets {@code status.phase} of lab Pod {@code pod} in the controller's {@code lab.yaml}. */
    @SuppressWarnings("unchecked")
    static void setPhase(MeshLab mesh, String pod, String phase) {
        Path file = mesh.configDir().resolve("lab.yaml");
        Path tmp = mesh.lab().runDir().resolve("lab.yaml.next");
        try {
            List<Map<String, Object>> docs = new ArrayList<>();
            boolean found = false;
            try (MappingIterator<Map<String, Object>> it = YAML.readerFor(Map.class).readValues(file.toFile())) {
                while (it.hasNext()) {
                    Map<String, Object> doc = it.next();
                    Map<String, Object> meta = (Map<String, Object>) doc.get("metadata");
                    if ("Pod".equals(doc.get("kind")) && meta != null && pod.equals(meta.get("name"))) {
                        ((Map<String, Object>) doc.get("status")).put("phase", phase);
                        found = true;
                    }
                    docs.add(doc);
                }
            }
            if (!found) {
                throw new IllegalArgumentException("no Pod " + pod + " in " + file);
            }
            try (SequenceWriter out = YAML.writer().writeValues(tmp.toFile())) {
                for (Map<String, Object> doc : docs) {
                    out.write(doc);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot update the phase of pod " + pod + " in " + file, e);
        }
    }
}
