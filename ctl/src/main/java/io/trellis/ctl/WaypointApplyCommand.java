package io.trellis.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trellisctl waypoint apply -n NS}: a Gateway of class {@code trellis-waypoint} (HBONE listener on 15008),
 * printed or written into the controller's config directory; {@code --enroll-namespace} also labels the namespace
 * {@code trellis.io/use-waypoint: <name>} so its services' traffic goes through the waypoint.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Create a waypoint (Gateway of class trellis-waypoint) for a namespace: printed, or written "
                + "into the controller's config directory with --config-dir.")
final class WaypointApplyCommand extends CtlCommand {

    static final String CLASS = "trellis-waypoint";
    static final String USE_WAYPOINT = "trellis.io/use-waypoint";
    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    @Option(names = {"-n", "--namespace"}, required = true, description = "Namespace of the waypoint.")
    String namespace = "";
    @Option(names = "--name", defaultValue = "waypoint", description = "Gateway name (default ${DEFAULT-VALUE}).")
    String name = "waypoint";
    @Option(names = "--enroll-namespace", description = "Also label the namespace to use this waypoint.")
    boolean enrollNamespace;
    @Option(names = "--address", paramLabel = "IP", description = "The waypoint's address (local mode: no "
            + "controller assigns one; in Kubernetes the Gateway's status carries it).")
    @Nullable String address;
    @Option(names = "--config-dir", paramLabel = "DIR", description = "Write into the controller's YAML config "
            + "directory instead of printing.")
    @Nullable Path configDir;
    @Option(names = {"-o", "--output"}, defaultValue = "yaml", description = "yaml (default) or json, when printing.")
    String format = "yaml";

    @Override
    int run() throws CtlException {
        for (String n : List.of(namespace, name)) {
            if (!DNS1123_LABEL.matcher(n).matches()) {
                throw new CtlException("'" + n + "' is not a DNS-1123 label (lower case letters, digits, '-')");
            }
        }
        if (address != null && !address.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            throw new CtlException("--address '" + address + "' is not an IP address");
        }
        List<JsonNode> docs = new ArrayList<>();
        docs.add(gateway());
        if (configDir == null) {
            if (enrollNamespace) {
                docs.add(namespaceLabel());
            }
            print(docs);
            return 0;
        }
        if (enrollNamespace && !labelExistingNamespace()) {
            docs.add(namespaceLabel());
        }
        Path file = configDir.resolve("waypoint-" + namespace + "-" + name + ".yaml");
        write(file, docs);
        out().println("wrote " + file);
        out().flush();
        return 0;
    }

    private JsonNode gateway() {
        ObjectNode gw = Output.JSON.createObjectNode();
        gw.put("apiVersion", "gateway.networking.k8s.io/v1");
        gw.put("kind", "Gateway");
        ObjectNode meta = gw.putObject("metadata");
        meta.put("name", name);
        meta.put("namespace", namespace);
        ObjectNode spec = gw.putObject("spec");
        spec.put("gatewayClassName", CLASS);
        ObjectNode listener = spec.putArray("listeners").addObject();
        listener.put("name", "mesh");
        listener.put("port", 15008);
        listener.put("protocol", "HBONE");
        if (address != null) {
            ObjectNode a = spec.putArray("addresses").addObject();
            a.put("type", "IPAddress");
            a.put("value", address);
        }
        return gw;
    }

    private JsonNode namespaceLabel() {
        return Output.JSON.valueToTree(Map.of("apiVersion", "v1", "kind", "Namespace",
                "metadata", Map.of("name", namespace, "labels", Map.of(USE_WAYPOINT, name))));
    }

    /**
     * When the config directory already defines the namespace, its file gets the label (a second Namespace of
     * the same name would be ignored as a duplicate). Returns whether it was found.
     */
    private boolean labelExistingNamespace() throws CtlException {
        try (Stream<Path> files = Files.walk(configDir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
                    .sorted().toList()) {
                List<JsonNode> docs = Output.YAML.readerFor(JsonNode.class).<JsonNode>readValues(f.toFile()).readAll();
                for (JsonNode d : docs) {
                    if (d != null && d.path("kind").asText().equals("Namespace")
                            && d.path("metadata").path("name").asText().equals(namespace)) {
                        ObjectNode meta = (ObjectNode) d.get("metadata");
                        JsonNode labels = meta.get("labels");
                        ObjectNode l = labels instanceof ObjectNode o ? o : meta.putObject("labels");
                        if (!l.path(USE_WAYPOINT).asText().equals(name)) {
                            l.put(USE_WAYPOINT, name);
                            write(f, docs);
                            out().println("labelled namespace " + namespace + " " + USE_WAYPOINT + "=" + name + " in "
                                    + f + " (the file was rewritten: comments in it are gone)");
                        }
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            throw new CtlException("cannot read the config directory " + configDir + ": " + e.getMessage(), e);
        }
    }

    private void print(List<JsonNode> docs) throws CtlException {
        switch (format) {
            case "yaml" -> out().print(yaml(docs));
            case "json" -> Output.document(out(), OutputFormat.JSON, docs.size() == 1 ? docs.getFirst() : docs);
            default -> throw new CtlException("waypoint apply prints yaml or json, not '" + format + "'");
        }
        out().flush();
    }

    private static String yaml(List<JsonNode> docs) throws CtlException {
        StringBuilder sb = new StringBuilder();
        for (JsonNode d : docs) {
            try {
                sb.append("---\n").append(Output.YAML.writeValueAsString(d));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new CtlException("cannot write YAML: " + e.getOriginalMessage(), e);
            }
        }
        return sb.toString();
    }

    private static void write(Path file, List<JsonNode> docs) throws CtlException {
        try {
            Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.writeString(tmp, yaml(docs));
            // atomic: the controller's watcher never reads a half-written file
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CtlException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
