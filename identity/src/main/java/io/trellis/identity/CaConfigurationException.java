package io.trellis.identity;

import org.jspecify.annotations.Nullable;

/**
 * The CA (or a PEM file handed to this module) cannot be used: a missing or unreadable file, a key
 * that does not match its certificate, a chain that does not lead to the root, an expired CA.
 */
public final class CaConfigurationException extends IdentityException {

    CaConfigurationException(String message) {
        super(message, null);
    }

    CaConfigurationException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
