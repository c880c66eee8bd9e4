package io.trellis.ctl.agent;

import io.trellis.install.agent.AgentException;
import io.trellis.install.agent.Enroller;
import io.trellis.install.agent.PodFacts;
import io.trellis.node.inpod.InPodException;
import io.trellis.node.inpod.NetnsOps;
import io.trellis.node.inpod.NodeEnrollment;
import io.trellis.node.inpod.PodInfo;
import io.trellis.node.inpod.SeqpacketSockets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;

/**
 * {@link Enroller} over the node-proxy's enrollment socket, through {@link NodeEnrollment} (the same code the lab's
 * agent runs): each pod's namespace is opened here and passed as an fd (SCM_RIGHTS), so the node-proxy needs neither
 * the host PID namespace nor the runtime's netns paths. {@link NodeEnrollment} watches the socket and replays every
 * known pod, then SnapshotComplete, into a node-proxy that restarted or was upgraded, without waiting for the next
 * reconcile.
 */
public final class EnrollmentClientEnroller implements Enroller, AutoCloseable {

    /** How often the socket is checked for a new node-proxy: bounds how long a restarted one waits for its pods. */
    static final Duration WATCH_INTERVAL = Duration.ofMillis(200);

    private final NodeEnrollment enrollment;

    public EnrollmentClientEnroller(Path socket, SeqpacketSockets sockets, NetnsOps netnsOps, Duration ackTimeout) {
        this.enrollment = NodeEnrollment.start(socket, sockets, netnsOps, ackTimeout, WATCH_INTERVAL);
    }

    @Override
    public boolean ready() {
        return enrollment.ensureConnected();
    }

    @Override
    public void add(PodFacts pod, Path netns) throws AgentException {
        try {
            enrollment.add(info(pod), netns);
        } catch (InPodException e) {
            throw failed("AddPod " + pod.key(), e);
        }
    }

    @Override
    public void remove(String uid) throws AgentException {
        try {
            enrollment.remove(uid);
        } catch (InPodException e) {
            throw failed("RemovePod " + uid, e);
        }
    }

    @Override
    public void replay(Collection<Enrolled> pods) throws AgentException {
        try {
            enrollment.replaceAll(pods.stream().map(e -> new NodeEnrollment.Pod(info(e.pod()), e.netns())).toList());
        } catch (InPodException e) {
            throw failed("replay", e);
        }
    }

    private static PodInfo info(PodFacts pod) {
        return new PodInfo(pod.uid(), pod.name(), pod.namespace(), pod.serviceAccount());
    }

    private AgentException failed(String what, InPodException e) {
        return new AgentException(what + " refused or failed at the node-proxy " + enrollment.socket() + ": "
                + e.getMessage() + " (is the trellis-node-proxy pod on this node running?)", e);
    }

    @Override
    public void close() {
        enrollment.close();
    }
}
