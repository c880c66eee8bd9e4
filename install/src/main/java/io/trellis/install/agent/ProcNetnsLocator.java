package io.trellis.install.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a pod's netns by IP: candidates are the files under {@code /var/run/netns} (where CNI runtimes pin pod
 * namespaces) and every {@code /proc/<pid>/ns/net} (needs the host PID namespace), one per distinct namespace
 * (by inode), never the agent's own; each is asked for its addresses with {@code ip -o addr} run inside it.
 */
public final class ProcNetnsLocator implements NetnsLocator {

    private final CommandRunner runner;
    private final Path netnsDir;
    private final Path proc;

    public ProcNetnsLocator(CommandRunner runner) {
        this(runner, Path.of("/var/run/netns"), Path.of("/proc"));
    }

    ProcNetnsLocator(CommandRunner runner, Path netnsDir, Path proc) {
        this.runner = runner;
        this.netnsDir = netnsDir;
        this.proc = proc;
    }

    @Override
    public Optional<Path> find(List<InetAddress> podIps) throws AgentException {
        for (Path candidate : candidates()) {
            CommandResult r;
            try {
                r = runner.run(Netns.path(candidate.toString()), List.of("ip", "-o", "addr", "show"));
            } catch (CommandException e) {
                continue;   // the process (and so its namespace) went away while we looked
            }
            if (r.ok() && hasAny(r.stdout(), podIps)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** {@code ip -o addr} lines carry {@code inet 10.1.2.3/24} or {@code inet6 fd00::5/64}. */
    static boolean hasAny(String ipAddrOutput, List<InetAddress> ips) {
        for (String line : ipAddrOutput.split("\n")) {
            String[] f = line.trim().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if (f[i].equals("inet") || f[i].equals("inet6")) {
                    String addr = f[i + 1].contains("/") ? f[i + 1].substring(0, f[i + 1].indexOf('/')) : f[i + 1];
                    for (InetAddress ip : ips) {
                        if (ip.getHostAddress().equalsIgnoreCase(addr)
                                || ip.getHostAddress().equalsIgnoreCase(expandV6(addr))) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static String expandV6(String literal) {
        if (!literal.contains(":")) {
            return literal;
        }
        try {
            return InetAddress.ofLiteral(literal).getHostAddress();
        } catch (IllegalArgumentException e) {
            return literal;
        }
    }

    /** One path per distinct namespace, pinned files first; the agent's own namespace is skipped. */
    List<Path> candidates() throws AgentException {
        Map<String, Path> byId = new LinkedHashMap<>();
        String own = id(proc.resolve("self/ns/net"));
        if (Files.isDirectory(netnsDir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(netnsDir)) {
                for (Path f : files) {
                    String id = id(f);
                    if (id != null && !id.equals(own)) {
                        byId.putIfAbsent(id, f);
                    }
                }
            } catch (IOException e) {
                throw new AgentException("cannot list " + netnsDir + ": " + e.getMessage(), e);
            }
        }
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path pid : pids) {
                Path ns = pid.resolve("ns/net");
                String id = id(ns);
                if (id != null && !id.equals(own)) {
                    byId.putIfAbsent(id, ns);
                }
            }
        } catch (IOException e) {
            throw new AgentException("cannot list " + proc + " (the agent needs the host PID namespace): "
                    + e.getMessage(), e);
        }
        return new ArrayList<>(byId.values());
    }

    /** The namespace's identity: {@code net:[inode]} of a /proc link, or the inode of a pinned nsfs file. */
    private static @org.jspecify.annotations.Nullable String id(Path p) {
        try {
            if (Files.isSymbolicLink(p)) {
                return Files.readSymbolicLink(p).toString();
            }
            return "net:[" + Files.getAttribute(p, "unix:ino") + "]";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }
}
