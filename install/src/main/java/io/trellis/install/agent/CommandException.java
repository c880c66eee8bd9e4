package io.trellis.install.agent;

/** A command could not be started, did not finish in time, or (from {@link CommandRunner#check}) failed. */
public final class CommandException extends RuntimeException {

    public CommandException(String message) {
        super(message);
    }

    public CommandException(String message, Throwable cause) {
        super(message, cause);
    }
}
