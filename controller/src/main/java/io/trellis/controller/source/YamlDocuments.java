package io.trellis.controller.source;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Parses one multi-document YAML text into objects, collecting a problem for each bad document. */
final class YamlDocuments {

    private static final ObjectReader READER = new YAMLMapper().readerFor(JsonNode.class);

    private YamlDocuments() {}

    record Result(List<ConfigObject> objects, List<ConfigProblem> problems) {}

    static Result parse(String origin, String text) {
        List<ConfigObject> objects = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        int index = 0;
        try (MappingIterator<JsonNode> docs = READER.readValues(text)) {
            while (docs.hasNextValue()) {
                JsonNode doc = docs.nextValue();
                index++;
                if (doc == null || doc.isNull() || doc.isMissingNode() || (doc.isObject() && doc.isEmpty())) {
                    continue;
                }
                try {
                    ConfigObject o = ObjectDecoder.decode(doc);
                    if (o != null) {
                        objects.add(o);
                    }
                } catch (InvalidResourceException e) {
                    problems.add(new ConfigProblem(origin, describe(doc, index), e.field(), e.getMessage()));
                }
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + " column " + at.getColumnNr();
            problems.add(new ConfigProblem(origin, "document#" + (index + 1), "",
                    "YAML syntax error" + where + ": " + e.getOriginalMessage()
                            + " (this and the following documents of the file are ignored)"));
        } catch (IOException e) {
            problems.add(new ConfigProblem(origin, "-", "", "cannot read: " + e.getMessage()));
        } catch (RuntimeException e) {
            // Jackson wraps syntax errors met while iterating in RuntimeJsonMappingException
            problems.add(new ConfigProblem(origin, "document#" + (index + 1), "",
                    "YAML syntax error: " + e.getMessage() + " (this and the following documents are ignored)"));
        }
        return new Result(objects, problems);
    }

    /** {@code Kind/namespace/name} from whatever the document has, for problem reports. */
    private static String describe(JsonNode doc, int index) {
        if (!doc.isObject()) {
            return "document#" + index;
        }
        String kind = doc.path("kind").asText("?");
        JsonNode meta = doc.path("metadata");
        String name = meta.path("name").asText("");
        String ns = meta.path("namespace").asText("");
        if (name.isEmpty()) {
            return (kind.isEmpty() ? "?" : kind) + " (document#" + index + ")";
        }
        return kind + "/" + (ns.isEmpty() ? "" : ns + "/") + name;
    }
}
