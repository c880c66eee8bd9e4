package io.trellis.install.agent;

import java.util.Optional;

/** Looks a pod up (with its namespace's labels) by namespace and name, as named in a CNI request's args. */
public interface PodDirectory {

    Optional<PodFacts> pod(String namespace, String name) throws AgentException;
}
