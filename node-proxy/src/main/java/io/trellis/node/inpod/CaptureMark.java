package io.trellis.node.inpod;

/**
 * The SO_MARK the node-proxy puts on every socket it opens inside a pod network namespace.
 * The capture rules the node agent installs skip packets carrying this mark, so the
 * proxy's own connections are not redirected back into it. This is the one place the
 * value is defined; the node agent's rules must use the same number.
 */
public final class CaptureMark {

    /** 0x539 (1337), the value ambient meshes commonly use for the same purpose. */
    public static final int VALUE = 0x539;

    /** Mask the rules match with ({@code -m mark --mark 0x539/0xfff}); only these bits are ours. */
    public static final int MASK = 0xfff;

    private CaptureMark() {}
}
