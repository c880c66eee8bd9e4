package io.trellis.controller;

import io.trellis.controller.model.MeshSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Everything the controller is started with. {@link ControllerMain} documents each as a command-line option.
 *
 * @param configDir  the YAML directory of local mode; null in Kubernetes mode
 * @param kubernetes read config from the Kubernetes API (kubeconfig or in-cluster) instead of a directory
 * @param caDir      a CA directory written by {@code trellis ca init}; null: an in-memory self-signed CA
 *                   (fine for tests and demos, useless across restarts)
 * @param tokensFile the bootstrap token file; null: every CA request is refused
 */
public record ControllerSettings(@Nullable Path configDir, boolean kubernetes, MeshSettings mesh, String listenAddress, int xdsPort,
                                 int xdsTlsPort, int monitoringPort, @Nullable Path caDir,
                                 @Nullable Path tokensFile, Duration debounceQuiet, Duration debounceMax,
                                 Duration maxCertTtl, Duration rescanInterval) {

    /** The documented ports: 15010 xDS + CA plaintext, 15012 with TLS, 15014 metrics and health. */
    public static ControllerSettings defaults(Path configDir) {
        return new ControllerSettings(configDir, false, MeshSettings.defaults(), "0.0.0.0", 15010, 15012, 15014, null, null,
                Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofHours(24), Duration.ofSeconds(5));
    }
}
