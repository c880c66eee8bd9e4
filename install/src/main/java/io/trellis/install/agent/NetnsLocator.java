package io.trellis.install.agent;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the network namespace of an already running pod by its IPs (reconciliation after an agent restart:
 * no CNI call tells the agent where those pods' namespaces are).
 */
public interface NetnsLocator {

    Optional<Path> find(List<InetAddress> podIps) throws AgentException;
}
