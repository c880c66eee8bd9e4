package io.trellis.install.agent;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One CNI call as the plugin forwards it: the {@code CNI_*} environment and the network config from stdin.
 *
 * @param env    {@code CNI_COMMAND}, {@code CNI_CONTAINERID}, {@code CNI_NETNS}, {@code CNI_IFNAME}, {@code CNI_ARGS}
 * @param config the network config JSON (with {@code prevResult} for a chained plugin), unparsed
 */
public record CniRequest(Map<String, String> env, String config) {

    public CniRequest {
        env = Map.copyOf(env);
    }

    public String command() {
        return env.getOrDefault("CNI_COMMAND", "");
    }

    public String netns() {
        return env.getOrDefault("CNI_NETNS", "");
    }

    /** {@code CNI_ARGS} ({@code K=V;K=V}) as a map: {@code K8S_POD_NAMESPACE}, {@code K8S_POD_NAME}, {@code K8S_POD_UID}. */
    public Map<String, String> args() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String kv : env.getOrDefault("CNI_ARGS", "").split(";")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                out.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        return out;
    }

    /**
     * Parses the plugin's wire format: {@code KEY=VALUE} lines, an empty line, then the config bytes.
     *
     * @throws IllegalArgumentException on a malformed request
     */
    public static CniRequest parse(byte[] wire) {
        String text = new String(wire, StandardCharsets.UTF_8);
        int end = text.indexOf("\n\n");
        int headerEnd = end < 0 && text.startsWith("\n") ? 0 : end;
        if (headerEnd < 0) {
            throw new IllegalArgumentException("no empty line after the CNI environment");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : text.substring(0, headerEnd).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0 || !line.startsWith("CNI_")) {
                throw new IllegalArgumentException("malformed CNI environment line '" + line + "'");
            }
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return new CniRequest(env, text.substring(headerEnd == 0 ? 1 : headerEnd + 2));
    }
}
