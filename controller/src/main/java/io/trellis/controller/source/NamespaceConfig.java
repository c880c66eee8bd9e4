package io.trellis.controller.source;

/** A {@code v1 Namespace}. */
public record NamespaceConfig(ObjectMeta meta) implements ConfigObject {
    @Override
    public String kind() {
        return "Namespace";
    }
}
