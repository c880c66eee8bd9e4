package io.trellis.controller.ca;

import java.util.Optional;

/** Turns a bearer token into the caller it belongs to; empty when the token proves nothing. */
@FunctionalInterface
public interface CallerAuthenticator {

    Optional<Caller> authenticate(String token);
}
