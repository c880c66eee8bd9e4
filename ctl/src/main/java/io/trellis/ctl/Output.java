package io.trellis.ctl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prints what a command found: rows as an aligned table, or the same rows (or a command's full document) as
 * JSON or YAML. Tables never truncate: a value a user may copy must be printed whole.
 */
final class Output {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private Output() {}

    /** Rows: each a map from column name to value, in column order. */
    static void print(PrintWriter out, OutputFormat format, List<String> columns, List<Map<String, Object>> rows)
            throws CtlException {
        switch (format) {
            case TABLE -> out.print(table(columns, rows));
            case JSON, YAML -> document(out, format, rows);
        }
        out.flush();
    }

    static void document(PrintWriter out, OutputFormat format, Object value) throws CtlException {
        try {
            String text = (format == OutputFormat.YAML ? YAML : JSON).writeValueAsString(value);
            out.print(text.endsWith("\n") ? text : text + "\n");
            out.flush();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CtlException("cannot print the result: " + e.getOriginalMessage(), e);
        }
    }

    static String table(List<String> columns, List<Map<String, Object>> rows) {
        int[] widths = new int[columns.size()];
        List<List<String>> cells = new ArrayList<>();
        List<String> header = new ArrayList<>();
        for (String c : columns) {
            header.add(c.toUpperCase(java.util.Locale.ROOT));
        }
        cells.add(header);
        for (Map<String, Object> row : rows) {
            List<String> line = new ArrayList<>();
            for (String c : columns) {
                Object v = row.get(c);
                line.add(v == null || v.toString().isEmpty() ? "-" : v.toString());
            }
            cells.add(line);
        }
        for (List<String> line : cells) {
            for (int i = 0; i < line.size(); i++) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (List<String> line : cells) {
            for (int i = 0; i < line.size(); i++) {
                sb.append(line.get(i));
                if (i < line.size() - 1) {
                    sb.append(" ".repeat(widths[i] - line.get(i).length() + 3));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static Map<String, Object> row(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }
}
