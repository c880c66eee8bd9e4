package io.trellis.install.agent;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Fakes for the node agent's seams: pod lookup, capture rules, the node-proxy, netns lookup. */
final class AgentFakes {

    private AgentFakes() {}

    static PodFacts pod(String ns, String name, Map<String, String> labels, Map<String, String> nsLabels,
                        boolean hostNetwork, String... ips) {
        List<InetAddress> addresses = new ArrayList<>();
        for (String ip : ips) {
            addresses.add(InetAddress.ofLiteral(ip));
        }
        return new PodFacts(name + "-uid", name, ns, name + "-sa", "node-a", hostNetwork, labels, nsLabels, addresses);
    }

    static final class Pods implements PodDirectory {
        final Map<String, PodFacts> pods = new HashMap<>();

        Pods add(PodFacts p) {
            pods.put(p.key(), p);
            return this;
        }

        @Override
        public Optional<PodFacts> pod(String namespace, String name) {
            return Optional.ofNullable(pods.get(namespace + "/" + name));
        }
    }

    static final class Capture implements PodCapture {
        final List<Path> installed = new ArrayList<>();
        RuntimeException failure;

        @Override
        public void install(Path netns) {
            if (failure != null) {
                throw failure;
            }
            installed.add(netns);
        }

        @Override
        public void uninstall(Path netns) {
            installed.remove(netns);
        }
    }

    static final class NodeProxy implements Enroller {
        boolean ready = true;
        String refuse;
        final Map<String, Path> pods = new HashMap<>();
        int replays;

        @Override
        public boolean ready() {
            return ready;
        }

        @Override
        public void add(PodFacts pod, Path netns) throws AgentException {
            if (refuse != null) {
                throw new AgentException(refuse);
            }
            pods.put(pod.uid(), netns);
        }

        @Override
        public void remove(String uid) {
            pods.remove(uid);
        }

        @Override
        public void replay(Collection<Enrolled> enrolled) {
            replays++;
            pods.clear();
            enrolled.forEach(e -> pods.put(e.pod().uid(), e.netns()));
        }
    }

    static final class Locator implements NetnsLocator {
        final Map<InetAddress, Path> byIp = new HashMap<>();

        @Override
        public Optional<Path> find(List<InetAddress> podIps) {
            return podIps.stream().map(byIp::get).filter(java.util.Objects::nonNull).findFirst();
        }
    }
}
