package io.trellis.controller.source;

/** A {@code v1 ServiceAccount}. */
public record ServiceAccountConfig(ObjectMeta meta) implements ConfigObject {
    @Override
    public String kind() {
        return "ServiceAccount";
    }
}
