package io.trellis.e2e.demo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the demo showed: each step's outcome and its evidence, printed as one JSON line with {@code --json}. */
final class DemoSummary {

    enum Status { ok, skipped, failed }

    /** One step: {@code detail} says why it was skipped or failed, or what it showed. */
    record Step(String id, String title, Status status, String detail, Map<String, Object> evidence) {
        Step {
            evidence = new LinkedHashMap<>(evidence);
        }
    }

    private final String mode;
    private final List<Step> steps = new ArrayList<>();

    DemoSummary(String mode) {
        this.mode = mode;
    }

    synchronized void add(Step step) {
        steps.add(step);
    }

    synchronized List<Step> steps() {
        return List.copyOf(steps);
    }

    synchronized boolean anyFailed() {
        return steps.stream().anyMatch(s -> s.status() == Status.failed);
    }

    synchronized String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("demo", "trellis");
        root.put("mode", mode);
        root.put("ok", !anyFailed());
        List<Map<String, Object>> list = new ArrayList<>();
        for (Step s : steps) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", s.id());
            m.put("title", s.title());
            m.put("status", s.status().name());
            m.put("detail", s.detail());
            m.put("evidence", s.evidence());
            list.add(m);
        }
        root.put("steps", list);
        try {
            return new ObjectMapper().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the summary is plain maps and strings; this cannot fail", e);
        }
    }
}
