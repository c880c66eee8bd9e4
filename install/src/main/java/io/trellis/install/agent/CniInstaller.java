package io.trellis.install.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/**
 * Puts the plugin on the node: copies the binary into the CNI bin dir and chains a {@code trellis-cni} entry at
 * the end of the primary network's conflist (the first {@code *.conflist} by name, as the runtime picks it).
 * Idempotent; both writes are atomic renames so the runtime never reads half a file. The entry is deliberately
 * left in place when the agent stops: removing it would let pods start outside the mesh (fail open).
 */
public final class CniInstaller {

    static final String TYPE = "trellis-cni";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CniInstaller() {}

    public static void installBinary(Path plugin, Path binDir) throws AgentException {
        try {
            Path tmp = binDir.resolve("." + TYPE + ".tmp");
            Files.copy(plugin, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(tmp, binDir.resolve(TYPE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new AgentException("cannot install the CNI plugin into " + binDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Adds (or updates) our entry in the primary conflist.
     *
     * @return the conflist that now chains the plugin
     * @throws AgentException when there is no conflist yet (the primary CNI has not written one: retry later)
     */
    public static Path chain(Path confDir, Path agentSocket, List<String> excludedNamespaces) throws AgentException {
        Path conflist;
        try (Stream<Path> files = Files.list(confDir)) {
            conflist = files.filter(f -> f.getFileName().toString().endsWith(".conflist")).sorted().findFirst()
                    .orElseThrow(() -> new AgentException("no *.conflist in " + confDir
                            + " yet: the primary CNI plugin has not configured the node"));
        } catch (IOException e) {
            throw new AgentException("cannot list " + confDir + ": " + e.getMessage(), e);
        }
        try {
            JsonNode root = JSON.readTree(conflist.toFile());
            if (!(root instanceof ObjectNode obj) || !(root.get("plugins") instanceof ArrayNode plugins)) {
                throw new AgentException(conflist + " has no \"plugins\" list: not a CNI conflist");
            }
            ObjectNode entry = JSON.createObjectNode();
            entry.put("type", TYPE);
            entry.put("agentSocket", agentSocket.toString());
            entry.put("excludeNamespaces", String.join(",", excludedNamespaces));
            for (int i = plugins.size() - 1; i >= 0; i--) {
                if (TYPE.equals(plugins.get(i).path("type").asText())) {
                    plugins.remove(i);
                }
            }
            plugins.add(entry);
            Path tmp = confDir.resolve("." + conflist.getFileName() + ".tmp");
            Files.writeString(tmp, JSON.writeValueAsString(obj));
            Files.move(tmp, conflist, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return conflist;
        } catch (IOException e) {
            throw new AgentException("cannot chain the plugin into " + conflist + ": " + e.getMessage(), e);
        }
    }
}
