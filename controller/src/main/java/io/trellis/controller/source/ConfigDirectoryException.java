package io.trellis.controller.source;

/** The config directory itself cannot be used (missing, unreadable). */
public final class ConfigDirectoryException extends SourceException {

    ConfigDirectoryException(String message, Throwable cause) {
        super(message, cause);
    }

    ConfigDirectoryException(String message) {
        super(message);
    }
}
