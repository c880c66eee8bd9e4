package io.trellis.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code trellisctl certs <proxy>}: the certificates a proxy holds, from {@code /certs}. */
@Command(name = "certs", mixinStandardHelpOptions = true,
        description = "Certificates a proxy holds (identity, serial, validity, next renewal), from its admin port (/certs).")
final class CertsCommand extends CtlCommand {

    @Parameters(index = "0", paramLabel = "PROXY", description = "Admin address host[:port] (port default 15000).")
    String proxy = "";
    @Mixin
    OutputOption output = new OutputOption();

    @Override
    int run() throws CtlException {
        OutputFormat format = output.format();
        JsonNode certs = AdminClient.get(proxy, "/certs");
        if (format != OutputFormat.TABLE) {
            Output.document(out(), format, certs);
            return 0;
        }
        // a list of flat objects (one per certificate), possibly under a single top-level field
        JsonNode list = certs;
        if (certs.isObject() && certs.size() == 1 && certs.elements().next().isArray()) {
            list = certs.elements().next();
        }
        if (!list.isArray()) {
            Output.document(out(), OutputFormat.JSON, certs);
            return 0;
        }
        Set<String> columns = new LinkedHashSet<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (JsonNode cert : list) {
            Map<String, Object> row = new LinkedHashMap<>();
            cert.properties().forEach(e -> {
                columns.add(e.getKey());
                row.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
            });
            rows.add(row);
        }
        Output.print(out(), format, List.copyOf(columns), rows);
        return 0;
    }
}
