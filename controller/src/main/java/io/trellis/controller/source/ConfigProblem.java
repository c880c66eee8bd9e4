package io.trellis.controller.source;

/**
 * A resource that was left out of the config, and why.
 *
 * @param origin  where it came from (a file path in local mode)
 * @param object  {@code Kind/namespace/name} as far as it could be read
 * @param field   dotted path of the bad field, {@code ""} for the whole document
 */
public record ConfigProblem(String origin, String object, String field, String message) {

    /** One log-friendly line. */
    public String describe() {
        return "file=" + origin + " object=" + object + " field=" + (field.isEmpty() ? "-" : field)
                + " problem=\"" + message + "\"";
    }
}
