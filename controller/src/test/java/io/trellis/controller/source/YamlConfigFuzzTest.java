package io.trellis.controller.source;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing of the YAML config path: a whole file becomes validated records plus one
 * {@link ConfigProblem} per bad document, and never an exception. The public entry point must not throw;
 * and because {@link YamlDocuments} turns stray runtime exceptions into "YAML syntax error" problems (which
 * would hide a decoder bug), every document the YAML parser yields is also handed to {@link ObjectDecoder}
 * directly, where the only allowed failure is {@link InvalidResourceException}. Seeds: the demo config
 * and a few broken documents under {@code YamlConfigFuzzTestInputs/decodesOrReports/}.
 */
class YamlConfigFuzzTest {

    private static final ObjectReader READER = new YAMLMapper().readerFor(JsonNode.class);

    @FuzzTest(maxDuration = "30s")
    void decodesOrReports(byte[] input) {
        String yaml = new String(input, StandardCharsets.UTF_8);

        ConfigSnapshot snapshot = ConfigSnapshot.parseYaml("fuzz.yaml", yaml);
        for (ConfigProblem problem : snapshot.problems()) {
            assertThat(problem.describe()).isNotBlank();
        }

        for (JsonNode doc : documents(yaml)) {
            try {
                ObjectDecoder.decode(doc);
            } catch (InvalidResourceException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    /** The documents Jackson can read before its first syntax error (which is Jackson's, not ours). */
    private static List<JsonNode> documents(String yaml) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = READER.readValues(yaml)) {
            while (it.hasNextValue()) {
                JsonNode doc = it.nextValue();
                if (doc != null) {
                    docs.add(doc);
                }
            }
        } catch (Exception syntaxError) {
            // YamlDocuments reports these as problems; the documents read so far are still checked
        }
        return docs;
    }
}
