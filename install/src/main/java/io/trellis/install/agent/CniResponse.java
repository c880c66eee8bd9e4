package io.trellis.install.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/** What the plugin prints (a CNI result or CNI error JSON) and whether it exits 0. */
public record CniResponse(boolean ok, String stdout) {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** CNI spec: error codes 100 and up are the plugin's; 999 is the conventional "plugin failed". */
    static final int PLUGIN_ERROR = 999;

    static CniResponse result(JsonNode result) {
        return new CniResponse(true, result.toString() + "\n");
    }

    static CniResponse empty() {
        return new CniResponse(true, "");
    }

    static CniResponse error(String cniVersion, String msg, String details) {
        ObjectNode e = JSON.createObjectNode();
        e.put("cniVersion", cniVersion);
        e.put("code", PLUGIN_ERROR);
        e.put("msg", msg);
        e.put("details", details);
        return new CniResponse(false, e.toString() + "\n");
    }

    /** The wire answer: {@code OK\n} or {@code ERR\n}, then the bytes to print. */
    public byte[] wire() {
        return ((ok ? "OK\n" : "ERR\n") + stdout).getBytes(StandardCharsets.UTF_8);
    }
}
