package io.trellis.ctl;

/** {@code -o}: a human table (default), or JSON / YAML for scripts. */
enum OutputFormat {
    TABLE, JSON, YAML;

    static OutputFormat parse(String text) {
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "table", "wide" -> TABLE;
            case "json" -> JSON;
            case "yaml" -> YAML;
            default -> throw new IllegalArgumentException("unknown output format '" + text + "': use table, json or yaml");
        };
    }
}
