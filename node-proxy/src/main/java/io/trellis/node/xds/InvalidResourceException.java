package io.trellis.node.xds;

/**
 * A resource the controller sent failed validation: it is NACKed with this message and the previous version of
 * the resource stays in use. Expected input errors carry no stack trace.
 */
public final class InvalidResourceException extends XdsException {

    private static final long serialVersionUID = 1L;

    private final String resource;
    private final String field;

    InvalidResourceException(String type, String resource, String field, String problem) {
        super(type + " " + resource + ": " + field + ": " + problem);
        this.resource = resource;
        this.field = field;
    }

    /** The resource name. */
    public String resource() {
        return resource;
    }

    /** The offending field, e.g. {@code addresses[1]}. */
    public String field() {
        return field;
    }
}
