package io.trellis.controller.ca;

/** Who is asking the CA for a certificate, as established by its bootstrap token. */
public sealed interface Caller {

    /** The node-proxy of {@code node}: may obtain identities of pods on that node. */
    record NodeProxy(String node) implements Caller {
        @Override
        public String toString() {
            return "node/" + node;
        }
    }

    /** The waypoint {@code namespace/name} (a Gateway): may obtain only its own identity. */
    record Waypoint(String namespace, String name) implements Caller {
        @Override
        public String toString() {
            return "waypoint/" + namespace + "/" + name;
        }
    }
}
