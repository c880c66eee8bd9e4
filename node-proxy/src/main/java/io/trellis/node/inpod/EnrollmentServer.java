package io.trellis.node.inpod;

import io.trellis.api.enrollment.v1.Ack;
import io.trellis.api.enrollment.v1.AddPod;
import io.trellis.api.enrollment.v1.AgentMessage;
import io.trellis.api.enrollment.v1.ProxyMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-proxy end of the enrollment socket (see {@code trellis/enrollment/v1/enrollment.proto}).
 *
 * <p>Blocking I/O on platform threads the server owns: one accepting, one per connection.
 * Enrollment is a few messages per pod start, and a blocking recvmsg hands us a message
 * together with its SCM_RIGHTS fd in one call, which is simpler to get right than
 * switching a Netty domain-socket channel between byte and fd read modes.
 *
 * <p>Only one agent connection is served at a time: a new one replaces the old (a
 * restarted agent may leave a half-open socket behind) and starts a replay.
 */
public final class EnrollmentServer implements AutoCloseable {

    /** Where the node agent finds the node-proxy unless configured otherwise. */
    public static final Path DEFAULT_SOCKET_PATH = Path.of("/var/run/trellis/enroll.sock");

    private static final Logger log = LoggerFactory.getLogger(EnrollmentServer.class);
    private static final int MAX_FIELD_CHARS = 253; // a DNS-1123 subdomain, the longest Kubernetes name
    private static final long SESSION_HANDOVER_SECONDS = 30;

    private final SeqpacketSockets.Listener listener;
    private final NetnsOps netnsOps;
    private final InPodRegistry registry;
    private final Path path;
    private final Thread acceptor;
    private final AtomicLong sessionIds = new AtomicLong();
    private volatile boolean closed;
    private @Nullable Session current; // accept thread only, plus close()

    private EnrollmentServer(SeqpacketSockets.Listener listener, NetnsOps netnsOps, InPodRegistry registry, Path path) {
        this.listener = listener;
        this.netnsOps = netnsOps;
        this.registry = registry;
        this.path = path;
        this.acceptor = Thread.ofPlatform().name("trellis-enroll-accept").daemon(true).unstarted(this::acceptLoop);
    }

    /** Listens on {@code socketPath} (replacing a stale socket file) and starts serving. */
    public static EnrollmentServer start(Path socketPath, SeqpacketSockets sockets, NetnsOps netnsOps,
            InPodRegistry registry) throws NativeCallException {
        EnrollmentServer server = new EnrollmentServer(sockets.listen(socketPath), netnsOps, registry, socketPath);
        server.acceptor.start();
        log.info("event=enrollment_listening path={}", socketPath);
        return server;
    }

    /** The socket path. */
    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            SeqpacketSockets.Connection conn;
            try {
                conn = listener.accept();
            } catch (NativeCallException e) {
                if (!closed) {
                    log.error("event=enrollment_accept_failed path={} error=\"{}\"", path, e.getMessage());
                }
                return;
            }
            Session previous;
            Session next = new Session(sessionIds.incrementAndGet(), conn);
            synchronized (this) {
                if (closed) {
                    conn.close();
                    return;
                }
                previous = current;
                current = next;
            }
            if (previous != null) {
                log.info("event=enrollment_connection_replaced old={} new={}", previous.id, next.id);
                previous.stopAndJoin();
            }
            next.thread.start();
        }
    }

    @Override
    public void close() {
        Session s;
        synchronized (this) {
            closed = true;
            s = current;
            current = null;
        }
        listener.close();
        if (s != null) {
            s.stopAndJoin();
        }
        try {
            acceptor.join(TimeUnit.SECONDS.toMillis(SESSION_HANDOVER_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One agent connection; every message gets exactly one Ack, in order. */
    private final class Session {

        final long id;
        final SeqpacketSockets.Connection conn;
        final Thread thread;

        Session(long id, SeqpacketSockets.Connection conn) {
            this.id = id;
            this.conn = conn;
            this.thread = Thread.ofPlatform().name("trellis-enroll-" + id).daemon(true).unstarted(this::serve);
        }

        void stopAndJoin() {
            conn.shutdown();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(SESSION_HANDOVER_SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void serve() {
            log.info("event=enrollment_connected session={}", id);
            try {
                String replay = outcome(registry.beginReplay());
                if (!replay.isEmpty()) {
                    log.error("event=enrollment_replay_failed session={} error=\"{}\"", id, replay);
                    return;
                }
                while (true) {
                    SeqpacketSockets.Packet packet = conn.receive(EnrollmentFrames.MAX_FRAME_BYTES);
                    if (packet == null) {
                        break;
                    }
                    String error = handle(packet);
                    if (!error.isEmpty()) {
                        log.warn("event=enrollment_rejected session={} error=\"{}\"", id, error);
                    }
                    conn.send(EnrollmentFrames.encode(ProxyMessage.newBuilder()
                            .setAck(Ack.newBuilder().setError(error)).build()), -1);
                }
                log.info("event=enrollment_disconnected session={}", id);
            } catch (NativeCallException e) {
                log.info("event=enrollment_disconnected session={} reason=\"{}\"", id, e.getMessage());
            } catch (RuntimeException e) {
                // A bug in handling must cost this connection, never the node-proxy.
                log.error("event=enrollment_session_failed session={}", id, e);
            } finally {
                conn.close();
            }
        }

        /** Handles one packet; returns the Ack error, empty when accepted. Closes every fd it does not keep. */
        private String handle(SeqpacketSockets.Packet packet) {
            List<Integer> fds = packet.fds();
            if (packet.truncated()) {
                closeAll(fds);
                return "malformed frame: larger than " + EnrollmentFrames.MAX_FRAME_BYTES
                        + " bytes or carrying more file descriptors than allowed; dropped";
            }
            AgentMessage message;
            try {
                message = EnrollmentFrames.decodeAgent(packet.data());
            } catch (EnrollmentException e) {
                closeAll(fds);
                return e.getMessage();
            }
            return switch (message.getPayloadCase()) {
                case ADD_POD -> addPod(message.getAddPod(), fds);
                case REMOVE_POD -> {
                    closeAll(fds);
                    String uid = message.getRemovePod().getUid();
                    if (!fds.isEmpty()) {
                        yield "RemovePod must not carry file descriptors (got " + fds.size() + ")";
                    }
                    if (uid.isEmpty()) {
                        yield "RemovePod: uid is required";
                    }
                    yield outcome(registry.remove(uid));
                }
                case SNAPSHOT_COMPLETE -> {
                    closeAll(fds);
                    if (!fds.isEmpty()) {
                        yield "SnapshotComplete must not carry file descriptors (got " + fds.size() + ")";
                    }
                    yield outcome(registry.completeReplay());
                }
                case PAYLOAD_NOT_SET -> throw new IllegalStateException("decodeAgent returned an empty message");
            };
        }

        private String addPod(AddPod add, List<Integer> fds) {
            String invalid = validate(add);
            if (invalid != null) {
                closeAll(fds);
                return "AddPod: " + invalid;
            }
            PodInfo pod = new PodInfo(add.getUid(), add.getName(), add.getNamespace(), add.getServiceAccount());
            Netns netns;
            try {
                if (add.hasNetnsPath()) {
                    if (!fds.isEmpty()) {
                        closeAll(fds);
                        return "AddPod " + pod.uid() + ": netns_path is set, so the packet must not also carry an fd";
                    }
                    Path netnsPath = Path.of(add.getNetnsPath());
                    if (!netnsPath.isAbsolute()) {
                        return "AddPod " + pod.uid() + ": netns_path must be absolute, got " + add.getNetnsPath();
                    }
                    netns = netnsOps.open(netnsPath);
                } else if (fds.size() != 1) {
                    closeAll(fds);
                    return "AddPod " + pod.uid() + ": without netns_path the packet must carry exactly one "
                            + "network namespace fd (SCM_RIGHTS), got " + fds.size();
                } else {
                    netns = netnsOps.adopt(fds.getFirst(), "fd from enrollment session " + id + " for pod " + pod.uid());
                }
            } catch (NativeCallException | RuntimeException e) {
                return "AddPod " + pod.uid() + ": " + e.getMessage();
            }
            return outcome(registry.add(pod, netns));
        }

        private void closeAll(List<Integer> fds) {
            fds.forEach(conn::closeFd);
        }
    }

    private static @Nullable String validate(AddPod add) {
        if (add.getUid().isEmpty()) {
            return "uid is required";
        }
        if (add.getNamespace().isEmpty()) {
            return "namespace is required (pod uid " + add.getUid() + ")";
        }
        if (add.getServiceAccount().isEmpty()) {
            return "service_account is required (pod uid " + add.getUid() + ")";
        }
        for (String field : List.of(add.getUid(), add.getName(), add.getNamespace(), add.getServiceAccount())) {
            if (field.length() > MAX_FIELD_CHARS) {
                return "a field is longer than " + MAX_FIELD_CHARS + " characters";
            }
        }
        return null;
    }

    /** Waits for a registry command; its failure message becomes the Ack error. */
    private static String outcome(CompletableFuture<?> f) {
        try {
            await(f);
            return "";
        } catch (CompletionException | ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return String.valueOf(cause.getMessage());
        }
    }

    private static void await(Future<?> f) throws ExecutionException {
        try {
            // The registry bounds each command (binds time out), so this does not hang.
            f.get(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecutionException("interrupted while waiting for the pod registry", e);
        } catch (TimeoutException e) {
            throw new ExecutionException("the pod registry did not answer within 5 minutes", e);
        }
    }
}
