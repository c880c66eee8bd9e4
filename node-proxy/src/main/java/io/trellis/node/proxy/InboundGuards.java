package io.trellis.node.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link InboundLimits} of the inbound listeners: each pod gets a {@link Guard} per listener that
 * admits connections up to its budget and closes the ones that stay silent past their deadline.
 * Counted in {@code trellis_node_inbound_connections{path}} (open now, all pods) and
 * {@code trellis_node_inbound_limited_total{path,reason}} (reason {@code connection_limit} for the
 * pod's budget, {@code client_limit} for one client IP's share of it, {@code connect_deadline} or
 * {@code idle_deadline}); logged once per pod and reason per minute.
 */
final class InboundGuards {

    private static final Logger LOG = LoggerFactory.getLogger(InboundGuards.class);

    private final InboundLimits limits;
    private final MeterRegistry registry;
    private final OccasionalLog occasionally;
    private final Map<PathMetrics.Path, AtomicLong> open = new EnumMap<>(PathMetrics.Path.class);
    private final ConcurrentHashMap<String, Counter> limited = new ConcurrentHashMap<>();

    InboundGuards(InboundLimits limits, MeterRegistry registry, LongSupplier nanoTime) {
        this.limits = limits;
        this.registry = registry;
        this.occasionally = new OccasionalLog(Duration.ofMinutes(1), nanoTime);
        for (PathMetrics.Path path : new PathMetrics.Path[] {PathMetrics.Path.INBOUND_PLAINTEXT,
                PathMetrics.Path.INBOUND_HBONE}) {
            AtomicLong n = new AtomicLong();
            open.put(path, n);
            Gauge.builder("trellis_node_inbound_connections", n, AtomicLong::get)
                    .description("Connections open on the pods' inbound listeners, before and while relaying")
                    .tag("path", path.label()).register(registry);
        }
    }

    /** The guard of one pod's 15006. */
    Guard plaintext(String pod) {
        return new Guard(PathMetrics.Path.INBOUND_PLAINTEXT, pod, limits.maxPlaintextConnections(),
                limits.maxPlaintextPerClient(), limits.plaintextIdleDeadline(), "idle_deadline");
    }

    /** The guard of one pod's 15008. */
    Guard hbone(String pod) {
        return new Guard(PathMetrics.Path.INBOUND_HBONE, pod, limits.maxHboneConnections(),
                limits.maxHbonePerClient(), limits.hboneConnectDeadline(), "connect_deadline");
    }

    /** The pod is gone: forget its log windows. */
    void forget(String pod) {
        occasionally.forget(pod + "\u0000");
    }

    /** Connections open now on {@code path}'s listeners, all pods. */
    long open(PathMetrics.Path path) {
        AtomicLong n = open.get(path);
        return n == null ? 0 : n.get();
    }

    private void limited(Guard guard, String reason, Channel ch, String detail) {
        String key = guard.path.label() + "\u0000" + reason;
        Counter c = limited.computeIfAbsent(key, k -> Counter.builder("trellis_node_inbound_limited_total")
                .description("Inbound connections closed by the per-pod flood and slowloris limits")
                .tags("path", guard.path.label(), "reason", reason).register(registry));
        c.increment();
        long suppressed = occasionally.admit(guard.pod + "\u0000" + key);
        if (suppressed >= 0) {
            LOG.warn("event=inbound_limited path={} pod={} reason={} src={} detail=\"{}\" suppressed_since_last={}",
                    guard.path.label(), guard.pod, reason, ch.remoteAddress(), detail, suppressed);
        }
    }

    /** One pod's budget on one listener. Thread-safe: connections of a pod land on different loops. */
    final class Guard {
        private final PathMetrics.Path path;
        private final String pod;
        private final int max;
        private final int maxPerClient;
        private final Duration deadline;
        private final String deadlineReason;
        private final AtomicInteger count = new AtomicInteger();
        /** Open connections per client IP; an entry lives only while its client has one open. */
        private final ConcurrentHashMap<InetAddress, Integer> perClient = new ConcurrentHashMap<>();

        private Guard(PathMetrics.Path path, String pod, int max, int maxPerClient, Duration deadline,
                String deadlineReason) {
            this.path = path;
            this.pod = pod;
            this.max = max;
            this.maxPerClient = maxPerClient;
            this.deadline = deadline;
            this.deadlineReason = deadlineReason;
        }

        /**
         * Admits an accepted connection (call from its initializer): false when its client IP holds its
         * share already or the pod is at its budget, in which case the connection has been reset, counted
         * and (occasionally) logged. A flooding client meets its own share first, so the rest of the
         * pod's budget stays for other clients.
         */
        boolean admit(Channel ch) {
            InetAddress client = ((InetSocketAddress) ch.remoteAddress()).getAddress();
            boolean[] admitted = {false};
            perClient.compute(client, (ip, n) -> {
                int held = n == null ? 0 : n;
                if (held >= maxPerClient) {
                    return n;
                }
                admitted[0] = true;
                return held + 1;
            });
            if (!admitted[0]) {
                limited(this, "client_limit", ch, "client " + client.getHostAddress() + " already has "
                        + maxPerClient + " open connections to this pod's listener (InboundLimits)");
                Connections.reset(ch);
                return false;
            }
            if (count.incrementAndGet() > max) {
                count.decrementAndGet();
                release(client);
                limited(this, "connection_limit", ch, "pod already has " + max + " open connections on this "
                        + "listener (InboundLimits)");
                Connections.reset(ch);
                return false;
            }
            AtomicLong total = open.get(path);
            total.incrementAndGet();
            ch.closeFuture().addListener(f -> {
                count.decrementAndGet();
                total.decrementAndGet();
                release(client);
            });
            return true;
        }

        private void release(InetAddress client) {
            perClient.computeIfPresent(client, (ip, n) -> n <= 1 ? null : n - 1);
        }

        /** Client IPs holding connections now (bounded by the budget). */
        int clients() {
            return perClient.size();
        }

        /**
         * Resets {@code ch} when its deadline passes unless the returned action (idempotent, any thread)
         * runs first.
         */
        Runnable arm(Channel ch) {
            ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> {
                if (ch.isOpen()) {
                    limited(this, deadlineReason, ch, "nothing happened on the connection within " + deadline);
                    Connections.reset(ch);
                }
            }, deadline.toNanos(), TimeUnit.NANOSECONDS);
            ch.closeFuture().addListener(f -> timer.cancel(false));
            return () -> timer.cancel(false);
        }

        /** Connections this pod has open on this listener. */
        int open() {
            return count.get();
        }
    }
}
