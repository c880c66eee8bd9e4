package io.trellis.install.lab;

/** The lab could not be built, inspected or torn down; the message says what to do about it. */
public abstract sealed class LabException extends RuntimeException
        permits LabException.NotRoot, LabException.AlreadyExists, LabException.NotFound, LabException.SetupFailed {

    private LabException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Creating network namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN). */
    public static final class NotRoot extends LabException {
        NotRoot(String action) {
            super(action + " needs root: the lab creates network namespaces, veth pairs and iptables rules."
                    + " Run it with sudo (e.g. 'sudo ./trellis lab up').", null);
        }
    }

    /** Namespaces with the lab's prefix exist already. */
    public static final class AlreadyExists extends LabException {
        AlreadyExists(String prefix, java.util.List<String> namespaces) {
            super("a lab named '" + prefix + "' already exists (" + namespaces + "); run './trellis lab down"
                    + (prefix.equals(LabSpec.DEFAULT_PREFIX) ? "" : " --prefix " + prefix)
                    + "' first, which also cleans up after a crashed run", null);
        }
    }

    /** There is no lab (state file) with that prefix, or no pod or node with that name in it. */
    public static final class NotFound extends LabException {
        NotFound(String message) {
            super(message, null);
        }
    }

    /** A step of building the topology or starting a process failed. */
    public static final class SetupFailed extends LabException {
        SetupFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
