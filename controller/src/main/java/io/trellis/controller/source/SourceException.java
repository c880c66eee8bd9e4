package io.trellis.controller.source;

/** Errors of the config sources. */
public sealed abstract class SourceException extends RuntimeException
        permits InvalidResourceException, ConfigDirectoryException {

    SourceException(String message, Throwable cause) {
        super(message, cause);
    }

    SourceException(String message) {
        super(message);
    }
}
