package io.trellis.node.inpod;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's persistent side of enrollment: the set of pods that should be enrolled, kept enrolled with
 * whichever node-proxy currently serves the socket. Both the lab and the Kubernetes node agent use it.
 *
 * <p>A watcher thread checks the socket every {@code pollInterval} and reconnects when
 * <ul>
 *   <li>the socket file was replaced (a new node-proxy started beside the old one and bound the path: an upgrade,
 *       or a restart after a crash), or</li>
 *   <li>the node-proxy closed the connection (it exited, or dropped the session).</li>
 * </ul>
 * Every new connection replays the full pod set and ends with SnapshotComplete, so the node-proxy on the other end
 * ends up serving exactly this set. Until the set is known ({@link #replaceAll}), SnapshotComplete is not sent and an
 * empty set is not connected at all: a restarted agent must not make the node-proxy drop the pods it serves before
 * the agent has listed them. Pods whose namespace cannot be opened any more, or that the node-proxy refuses,
 * are skipped in a replay (logged): a dead pod must not keep the live ones from being enrolled.
 *
 * <p>Namespaces are handed over as fds (SCM_RIGHTS), so the node-proxy needs no access to the netns paths.
 * Thread-safe; all socket I/O happens under one lock (a handful of messages per pod start).
 */
public final class NodeEnrollment implements AutoCloseable {

    /**
     * A pod that should be enrolled.
     *
     * @param info its identity
     * @param netns its network namespace file, opened and passed as an fd on every (re)connect
     */
    public record Pod(PodInfo info, Path netns) {
        public Pod {
            Objects.requireNonNull(info, "info");
            Objects.requireNonNull(netns, "netns");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(NodeEnrollment.class);

    private final Path socket;
    private final SeqpacketSockets sockets;
    private final NetnsOps netnsOps;
    private final Duration ackTimeout;
    private final Duration pollInterval;
    private final Thread watcher;
    // Guarded by this.
    private final Map<String, Pod> desired = new LinkedHashMap<>();
    private @Nullable EnrollmentClient client;
    private @Nullable Object connectedFileKey;
    private long replays;
    private boolean authoritative;
    private @Nullable String lastProblem;
    private boolean closed;

    private NodeEnrollment(Path socket, SeqpacketSockets sockets, NetnsOps netnsOps, Duration ackTimeout,
            Duration pollInterval) {
        this.socket = socket;
        this.sockets = sockets;
        this.netnsOps = netnsOps;
        this.ackTimeout = ackTimeout;
        this.pollInterval = pollInterval;
        this.watcher = Thread.ofPlatform().name("trellis-enroll-watch").daemon(true).unstarted(this::watch);
    }

    /**
     * Starts watching {@code socket} and connects as soon as a node-proxy serves it (with an empty pod set until
     * {@link #add} or {@link #replaceAll} is called).
     *
     * @param ackTimeout how long each Ack may take (an add waits for the pod's listeners)
     * @param pollInterval how often the socket is checked for a new node-proxy or a closed connection; this bounds
     *        how long a restarted node-proxy waits for its pods
     */
    public static NodeEnrollment start(Path socket, SeqpacketSockets sockets, NetnsOps netnsOps, Duration ackTimeout,
            Duration pollInterval) {
        if (pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("pollInterval must be positive, got " + pollInterval);
        }
        NodeEnrollment e = new NodeEnrollment(socket, sockets, netnsOps, ackTimeout, pollInterval);
        e.watcher.start();
        return e;
    }

    /** The socket path. */
    public Path socket() {
        return socket;
    }

    /**
     * Enrols a pod and returns once the node-proxy has its listeners up; the pod is part of every later replay.
     * Connects (and replays) first when there is no connection.
     *
     * @throws InPodException when no node-proxy answers or it refuses the pod (then the pod is not kept)
     */
    public synchronized void add(PodInfo pod, Path netns) throws InPodException {
        send(connected(), new Pod(pod, netns));
        desired.put(pod.uid(), new Pod(pod, netns));
    }

    /**
     * Un-enrols a pod. It leaves the set first, so a node-proxy that cannot be reached now will not get it in the
     * next replay either.
     */
    public synchronized void remove(String uid) throws InPodException {
        desired.remove(uid);
        EnrollmentClient c = connected();
        try {
            c.removePod(uid);
        } catch (InPodException e) {
            dropIfBroken(c, e, "RemovePod " + uid);
            throw e;
        }
    }

    /**
     * Makes {@code pods} the whole set and replays it on a fresh connection (the node-proxy drops every pod not in
     * it). Throws when no node-proxy answers; the set is kept and replayed once one does.
     */
    public synchronized void replaceAll(Collection<Pod> pods) throws InPodException {
        desired.clear();
        pods.forEach(p -> desired.put(p.info().uid(), p));
        authoritative = true;
        drop(null);
        connected();
    }

    /** Whether a node-proxy is connected and has had the full replay (connecting now if it is not). */
    public synchronized boolean ensureConnected() {
        try {
            connected();
            return true;
        } catch (InPodException e) {
            return false;
        }
    }

    /** How many complete replays (connections that got the whole set and SnapshotComplete) there have been. */
    public synchronized long replays() {
        return replays;
    }

    /** The pods in the set, by uid. */
    public synchronized Map<String, Pod> pods() {
        return Map.copyOf(desired);
    }

    /**
     * Waits until the replay count exceeds {@code after} (a node-proxy that started after that count was read has
     * all pods); false on timeout.
     */
    public boolean awaitReplay(long after, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (replays <= after) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return replays > after;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        }
    }

    private void watch() {
        while (true) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                String reason = authoritative || !desired.isEmpty() ? staleReason() : null;
                if (reason != null) {
                    if (client != null) {
                        drop(reason);
                    }
                    try {
                        connected();
                    } catch (InPodException e) {
                        noteProblem("no node-proxy to enroll with yet: " + e.getMessage());
                    }
                }
            }
            try {
                Thread.sleep(pollInterval);
            } catch (InterruptedException e) {
                return; // close() interrupts
            }
        }
    }

    /** Why the current connection must be replaced, or null when it is fine. Called with the lock held. */
    private @Nullable String staleReason() {
        if (client == null) {
            return "not connected";
        }
        Object key = fileKey(socket);
        if (key != null && !key.equals(connectedFileKey)) {
            return "the socket file was replaced (a new node-proxy bound " + socket + ")";
        }
        if (client.peerClosed()) {
            return "the node-proxy closed the connection";
        }
        return null;
    }

    /** The connection, opening one (and replaying the whole set) when there is none. Called with the lock held. */
    private EnrollmentClient connected() throws InPodException {
        if (closed) {
            throw new EnrollmentException("enrollment with " + socket + " is closed: the node agent is stopping");
        }
        if (client != null) {
            return client;
        }
        // Read the file's identity before connecting: if it changes in between, the next check reconnects again,
        // which costs a replay but never leaves us on a dead socket.
        Object key = fileKey(socket);
        EnrollmentClient c = EnrollmentClient.connect(socket, sockets, ackTimeout);
        List<String> skipped = new ArrayList<>();
        try {
            for (Pod p : desired.values()) {
                String problem = replayOne(c, p);
                if (problem != null) {
                    skipped.add(p.info().uid());
                    LOG.warn("event=enrollment_replay_skipped socket={} pod={} problem=\"{}\"", socket, p.info(),
                            problem);
                }
            }
            if (authoritative) {
                c.snapshotComplete();
            }
        } catch (InPodException | RuntimeException e) {
            c.close();
            throw e;
        }
        client = c;
        connectedFileKey = key;
        replays++;
        lastProblem = null;
        notifyAll();
        LOG.info("event=enrollment_replayed socket={} pods={} skipped={} replays={}", socket,
                desired.size() - skipped.size(), skipped, replays);
        return c;
    }

    /** Sends one pod of a replay; returns why it was skipped, or null. Throws when the connection broke. */
    private @Nullable String replayOne(EnrollmentClient c, Pod p) throws InPodException {
        Netns handle;
        try {
            handle = netnsOps.open(p.netns());
        } catch (NativeCallException e) {
            return e.getMessage(); // the pod is gone; the caller's next reconcile removes it
        }
        try (handle) {
            c.addPod(p.info(), handle);
            return null;
        } catch (EnrollmentException e) {
            if (c.peerClosed()) {
                throw e;
            }
            return e.getMessage(); // refused by the node-proxy; the others still go in
        }
    }

    /** Sends one AddPod on the current connection; a broken connection is dropped (the next call reconnects). */
    private void send(EnrollmentClient c, Pod p) throws InPodException {
        try (Netns handle = netnsOps.open(p.netns())) {
            try {
                c.addPod(p.info(), handle);
            } catch (InPodException e) {
                dropIfBroken(c, e, "AddPod " + p.info().uid());
                throw e;
            }
        }
    }

    /**
     * A refusal (an error Ack) leaves the connection usable; a transport error or a timeout does not (a late Ack
     * would be taken for the next request's), so the next call reconnects and replays.
     */
    private void dropIfBroken(EnrollmentClient c, InPodException e, String what) {
        if (e instanceof NativeCallException || c.peerClosed()) {
            drop(what + " failed: " + e.getMessage());
        }
    }

    private void drop(@Nullable String reason) {
        if (client != null) {
            if (reason != null) {
                LOG.info("event=enrollment_reconnecting socket={} reason=\"{}\"", socket, reason);
            }
            client.close();
            client = null;
            connectedFileKey = null;
        }
    }

    private void noteProblem(String problem) {
        if (!problem.equals(lastProblem)) {
            LOG.info("event=enrollment_waiting socket={} problem=\"{}\"", socket, problem);
            lastProblem = problem;
        }
    }

    private static @Nullable Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Stops watching and closes the connection; the node-proxy keeps the enrolled pods. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            drop(null);
            notifyAll();
        }
        watcher.interrupt();
        try {
            watcher.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
