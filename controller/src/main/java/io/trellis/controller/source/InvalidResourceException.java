package io.trellis.controller.source;

import org.jspecify.annotations.Nullable;

/**
 * One resource could not be decoded. {@code field} is a dotted path inside the object
 * (e.g. {@code spec.ports[0].port}); the source adds the file and object it came from.
 */
public final class InvalidResourceException extends SourceException {

    private final String field;

    InvalidResourceException(String field, String message) {
        super(message);
        this.field = field;
    }

    InvalidResourceException(String field, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    /** Dotted path of the offending field, or {@code ""} when the whole document is bad. */
    public String field() {
        return field;
    }
}
