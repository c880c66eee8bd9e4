package io.trellis.ctl.agent;

import io.trellis.install.agent.AgentException;
import io.trellis.install.agent.Enroller;
import io.trellis.install.agent.PodFacts;
import io.trellis.node.inpod.EnrollmentClient;
import io.trellis.node.inpod.InPodException;
import io.trellis.node.inpod.Netns;
import io.trellis.node.inpod.NetnsOps;
import io.trellis.node.inpod.PodInfo;
import io.trellis.node.inpod.SeqpacketSockets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Enroller} over the node-proxy's enrollment socket. Each pod's namespace is opened here and passed as an
 * fd (SCM_RIGHTS), so the node-proxy needs neither the host PID namespace nor the runtime's netns paths.
 * Every new connection starts a replay on the node-proxy's side, so on (re)connect all pods known here are
 * sent again, followed by SnapshotComplete; a broken connection is dropped and reopened on the next call.
 */
public final class EnrollmentClientEnroller implements Enroller, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EnrollmentClientEnroller.class);

    private final Path socket;
    private final SeqpacketSockets sockets;
    private final NetnsOps netnsOps;
    private final Duration ackTimeout;
    private final Map<String, Enrolled> known = new LinkedHashMap<>();
    private @Nullable EnrollmentClient client;

    public EnrollmentClientEnroller(Path socket, SeqpacketSockets sockets, NetnsOps netnsOps, Duration ackTimeout) {
        this.socket = socket;
        this.sockets = sockets;
        this.netnsOps = netnsOps;
        this.ackTimeout = ackTimeout;
    }

    @Override
    public synchronized boolean ready() {
        try {
            connected();
            return true;
        } catch (AgentException e) {
            return false;
        }
    }

    @Override
    public synchronized void add(PodFacts pod, Path netns) throws AgentException {
        EnrollmentClient c = connected();
        send(c, new Enrolled(pod, netns));
        known.put(pod.uid(), new Enrolled(pod, netns));
    }

    @Override
    public synchronized void remove(String uid) throws AgentException {
        known.remove(uid);
        EnrollmentClient c = connected();
        try {
            c.removePod(uid);
        } catch (InPodException e) {
            throw failed("RemovePod " + uid, e);
        }
    }

    @Override
    public synchronized void replay(Collection<Enrolled> pods) throws AgentException {
        known.clear();
        pods.forEach(p -> known.put(p.pod().uid(), p));
        if (client != null) {
            drop();   // a fresh connection starts a replay on the node-proxy's side
        }
        connected();
    }

    private EnrollmentClient connected() throws AgentException {
        if (client != null) {
            return client;
        }
        EnrollmentClient c;
        try {
            c = EnrollmentClient.connect(socket, sockets, ackTimeout);
        } catch (InPodException e) {
            throw new AgentException("the node-proxy's enrollment socket " + socket + " does not answer ("
                    + e.getMessage() + "): is the trellis-node-proxy pod on this node running?", e);
        }
        client = c;
        try {
            for (Enrolled e : known.values()) {
                send(c, e);
            }
            c.snapshotComplete();
        } catch (InPodException e) {
            throw failed("replay", e);
        }
        LOG.info("event=enrollment_connected socket={} replayed={}", socket, known.size());
        return c;
    }

    private void send(EnrollmentClient c, Enrolled e) throws AgentException {
        PodInfo info = new PodInfo(e.pod().uid(), e.pod().name(), e.pod().namespace(), e.pod().serviceAccount());
        try (Netns handle = netnsOps.open(e.netns())) {
            c.addPod(info, handle);
        } catch (InPodException ex) {
            throw failed("AddPod " + e.pod().key(), ex);
        }
    }

    private AgentException failed(String what, InPodException e) {
        if (!(e instanceof io.trellis.node.inpod.EnrollmentException)) {
            drop();   // transport trouble: reconnect (and replay) next time; an error Ack leaves it usable
        }
        return new AgentException(what + " refused or failed at the node-proxy: " + e.getMessage(), e);
    }

    private void drop() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    @Override
    public synchronized void close() {
        drop();
    }
}
