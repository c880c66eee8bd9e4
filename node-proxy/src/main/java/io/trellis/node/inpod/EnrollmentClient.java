package io.trellis.node.inpod;

import io.trellis.api.enrollment.v1.AddPod;
import io.trellis.api.enrollment.v1.AgentMessage;
import io.trellis.api.enrollment.v1.ProxyMessage;
import io.trellis.api.enrollment.v1.RemovePod;
import io.trellis.api.enrollment.v1.SnapshotComplete;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The node agent's end of the enrollment socket: what the CNI agent and the lab call.
 * Every method sends one message and blocks for its Ack; a rejected message throws an
 * {@link EnrollmentException} carrying the node-proxy's reason. After connecting, replay
 * every pod that should be enrolled, then call {@link #snapshotComplete()}.
 * Thread-safe (calls are serialised).
 */
public final class EnrollmentClient implements AutoCloseable {

    private final SeqpacketSockets.Connection conn;
    private final Path path;

    private EnrollmentClient(SeqpacketSockets.Connection conn, Path path) {
        this.conn = conn;
        this.path = path;
    }

    /**
     * Connects to a node-proxy's enrollment socket.
     *
     * @param ackTimeout how long to wait for each Ack (an add waits for the pod's listeners)
     */
    public static EnrollmentClient connect(Path socketPath, SeqpacketSockets sockets, Duration ackTimeout)
            throws NativeCallException {
        SeqpacketSockets.Connection conn = sockets.connect(socketPath);
        try {
            conn.receiveTimeout(ackTimeout);
        } catch (NativeCallException e) {
            conn.close();
            throw e;
        }
        return new EnrollmentClient(conn, socketPath);
    }

    /** Enrols a pod whose namespace the node-proxy opens by path. */
    public synchronized void addPod(PodInfo pod, Path netnsPath) throws InPodException {
        exchange(AgentMessage.newBuilder().setAddPod(addPod(pod).setNetnsPath(netnsPath.toString())).build(), -1,
                "AddPod " + pod);
    }

    /**
     * Enrols a pod, passing its namespace as an fd (SCM_RIGHTS). The kernel duplicates the
     * fd into the node-proxy; the caller still owns and closes {@code netns}.
     */
    public synchronized void addPod(PodInfo pod, Netns netns) throws InPodException {
        exchange(AgentMessage.newBuilder().setAddPod(addPod(pod)).build(), netns.fd(), "AddPod " + pod);
    }

    /** Un-enrols a pod (unknown uids are fine). */
    public synchronized void removePod(String uid) throws InPodException {
        exchange(AgentMessage.newBuilder().setRemovePod(RemovePod.newBuilder().setUid(uid)).build(), -1,
                "RemovePod " + uid);
    }

    /** Ends the replay: the node-proxy drops every pod not re-added on this connection. */
    public synchronized void snapshotComplete() throws InPodException {
        exchange(AgentMessage.newBuilder().setSnapshotComplete(SnapshotComplete.getDefaultInstance()).build(), -1,
                "SnapshotComplete");
    }

    private static AddPod.Builder addPod(PodInfo pod) {
        return AddPod.newBuilder().setUid(pod.uid()).setName(pod.name()).setNamespace(pod.namespace())
                .setServiceAccount(pod.serviceAccount());
    }

    /** Sends one message and returns once it is acknowledged as ok. */
    private void exchange(AgentMessage message, int fd, String what) throws InPodException {
        conn.send(EnrollmentFrames.encode(message), fd);
        SeqpacketSockets.Packet packet = conn.receive(EnrollmentFrames.MAX_FRAME_BYTES);
        if (packet == null) {
            throw new EnrollmentException(what + ": the node-proxy at " + path + " closed the connection");
        }
        packet.fds().forEach(conn::closeFd); // the node-proxy never sends fds; do not leak any
        ProxyMessage reply = EnrollmentFrames.decodeProxy(packet.data());
        String error = reply.getAck().getError();
        if (!error.isEmpty()) {
            throw new EnrollmentException(what + " rejected by the node-proxy: " + error);
        }
    }

    /**
     * Whether the node-proxy has closed the connection (or a transport error broke it), checked without blocking:
     * an idle agent's way to notice that its node-proxy went away.
     */
    public boolean peerClosed() {
        return conn.peerClosed();
    }

    /** Closes the connection (the node-proxy keeps the enrolled pods). */
    @Override
    public void close() {
        conn.close();
    }
}
