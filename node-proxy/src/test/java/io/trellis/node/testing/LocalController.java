package io.trellis.node.testing;

import io.trellis.controller.ControllerSettings;
import io.trellis.controller.model.MeshSettings;
import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** Settings of a local-mode controller on loopback for node-proxy tests: one place to follow the controller's API. */
public final class LocalController {

    private LocalController() {}

    /**
     * @param xdsPort 0 for any free port
     * @param tokens  bootstrap token file, or null to refuse every CA request
     */
    public static ControllerSettings settings(Path configDir, int xdsPort, @Nullable Path tokens) {
        return new ControllerSettings(configDir, false, MeshSettings.defaults(), "127.0.0.1", xdsPort, 0, 0, null,
                tokens, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofHours(24), Duration.ofSeconds(1));
    }
}
