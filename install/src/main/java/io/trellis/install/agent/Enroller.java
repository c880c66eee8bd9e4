package io.trellis.install.agent;

import java.nio.file.Path;
import java.util.Collection;

/**
 * Hands pods to the node-proxy on this node (its enrollment socket). The real implementation wraps the
 * node-proxy's {@code EnrollmentClient}; tests use a fake.
 */
public interface Enroller {

    /** Whether the node-proxy is up and connected: without it, no pod may start in the mesh. */
    boolean ready();

    /** Returns once the node-proxy's listeners for the pod are up inside {@code netns}. */
    void add(PodFacts pod, Path netns) throws AgentException;

    void remove(String uid) throws AgentException;

    /** A full resync: these pods and no others (the node-proxy drops pods not listed). */
    void replay(Collection<Enrolled> pods) throws AgentException;

    /** A pod with the namespace file it was enrolled with. */
    record Enrolled(PodFacts pod, Path netns) {}
}
