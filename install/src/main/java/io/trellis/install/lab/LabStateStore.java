package io.trellis.install.lab;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** Reads and atomically rewrites {@code <run dir>/<prefix>/state.json}. */
final class LabStateStore {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;

    LabStateStore(Path runRoot, String prefix) {
        this.dir = runRoot.resolve(prefix);
    }

    /** The lab's own run directory: state file, logs, generated YAML. */
    Path dir() {
        return dir;
    }

    Path file() {
        return dir.resolve("state.json");
    }

    Optional<LabState> read() {
        Path file = file();
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(file.toFile(), LabState.class));
        } catch (IOException e) {
            throw new LabException.SetupFailed("cannot read the lab state file " + file + ": " + e.getMessage()
                    + " (remove it after './trellis lab down' if it is corrupt)", e);
        }
    }

    synchronized void write(LabState state) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("state.json.tmp");
            JSON.writeValue(tmp.toFile(), state);
            Files.move(tmp, file(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the lab state file " + file(), e);
        }
    }

    void delete() {
        try {
            Files.deleteIfExists(file());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the lab state file " + file(), e);
        }
    }
}
