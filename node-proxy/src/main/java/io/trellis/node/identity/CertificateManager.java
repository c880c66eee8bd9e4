package io.trellis.node.identity;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.trellis.identity.CertificateRenewer;
import io.trellis.identity.RenewalPolicy;
import io.trellis.identity.SpiffeId;
import io.trellis.identity.WorkloadCertificate;
import io.trellis.node.inpod.PodInfo;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One certificate per local service account. Each identity gets a {@link CertificateRenewer} (renewal at half the
 * lifetime, jittered retries) the first time it is asked for, by {@link #prefetch} when a pod enrols or by
 * {@link #certificate} on demand. Concurrent requests for an identity share one future and one CA request. When the
 * CA is down, a still-valid certificate keeps being served.
 *
 * <p>Event loops call {@link #current} (a map lookup and a volatile read); {@link #certificate} is for callers that
 * can wait for a first certificate.
 */
public final class CertificateManager implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateManager.class);
    /** Gauge per identity: seconds until its certificate expires ({@code trellis_certificate_expiry_seconds}). */
    public static final String EXPIRY_METRIC = "trellis.certificate.expiry.seconds";
    /** Counter per identity: failed CA requests ({@code trellis_certificate_renewal_failures_total}). */
    public static final String RENEWAL_FAILURES_METRIC = "trellis.certificate.renewal.failures";

    private final CaClient ca;
    private final String trustDomain;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final RandomGenerator random;
    private final RenewalPolicy policy;
    private final Counter failures;
    private final MeterRegistry registry;
    private final ConcurrentHashMap<SpiffeId, Entry> entries = new ConcurrentHashMap<>();
    private final List<java.util.function.Consumer<? super WorkloadCertificate>> listeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * One identity: its renewer, the future the callers waiting for its next certificate share, and its meters
     * (removed again by {@link #forget}).
     */
    private final class Entry {
        final CertificateRenewer renewer;
        final AtomicReference<CompletableFuture<WorkloadCertificate>> next =
                new AtomicReference<>(new CompletableFuture<>());
        final Gauge expiry;
        final Counter renewalFailures;

        Entry(SpiffeId id) {
            renewer = new CertificateRenewer(id, () -> fetch(id), scheduler, clock, random, policy);
            renewer.addListener(cert -> next.getAndSet(new CompletableFuture<>()).complete(cert));
            renewer.addListener(cert -> listeners.forEach(l -> l.accept(cert)));
            // seconds, not a timestamp, so an alert needs no time() arithmetic; negative once expired, NaN before
            // the first certificate (an absent value, not a fake "0 = expiring now")
            // looked up by id, not bound to this entry: two racing creations share one meter (Micrometer dedupes by
            // name and tags) and only one entry wins the map
            expiry = Gauge.builder(EXPIRY_METRIC, CertificateManager.this, m -> m.secondsUntilExpiry(id))
                    .tag("identity", id.uri())
                    .description("Seconds until the identity's current certificate expires (negative: expired)")
                    .register(registry);
            renewalFailures = Counter.builder(RENEWAL_FAILURES_METRIC).tag("identity", id.uri())
                    .description("Failed certificate requests to the CA for this identity (first fetch and renewals)")
                    .register(registry);
        }

        private CompletableFuture<WorkloadCertificate> fetch(SpiffeId id) {
            return ca.fetch(id).whenComplete((cert, error) -> {
                if (error != null) {
                    failures.increment();
                    renewalFailures.increment();
                    if (usable(renewer.current()) == null) {
                        // nobody can be served: tell the waiters now rather than at the next retry
                        next.getAndSet(new CompletableFuture<>()).completeExceptionally(error);
                    }
                }
            });
        }
    }

    /**
     * @param trustDomain the mesh's trust domain, for identities made from a pod's namespace and service account
     * @param scheduler   runs fetches and renewals (key generation happens there, never on an event loop)
     */
    public CertificateManager(CaClient ca, String trustDomain, ScheduledExecutorService scheduler, Clock clock,
                              RandomGenerator random, RenewalPolicy policy, MeterRegistry registry) {
        this.ca = ca;
        this.trustDomain = trustDomain;
        this.scheduler = scheduler;
        this.clock = clock;
        this.random = random;
        this.policy = policy;
        this.registry = registry;
        this.failures = Counter.builder("trellis.certificate.fetch.failures")
                .description("Failed certificate requests to the CA").register(registry);
        Gauge.builder("trellis.certificates", entries, Map::size)
                .description("Identities this node-proxy keeps a certificate for").register(registry);
    }

    /** The identity of a pod's service account. */
    public SpiffeId identityOf(String namespace, String serviceAccount) {
        return SpiffeId.of(trustDomain, namespace, serviceAccount);
    }

    /** Starts obtaining {@code id}'s certificate unless that is already under way. */
    public void prefetch(SpiffeId id) {
        entry(id);
    }

    /**
     * Prefetches the certificates of the enrolled pods' service accounts and stops renewing those no enrolled pod
     * uses any more. Call it after every enrollment change.
     */
    public void syncWith(Collection<PodInfo> pods) {
        Set<SpiffeId> wanted = new HashSet<>();
        for (PodInfo p : pods) {
            wanted.add(identityOf(p.namespace(), p.serviceAccount()));
        }
        wanted.forEach(this::prefetch);
        for (SpiffeId id : List.copyOf(entries.keySet())) {
            if (!wanted.contains(id)) {
                forget(id);
            }
        }
    }

    /** Stops renewing {@code id} and drops its certificate. */
    public void forget(SpiffeId id) {
        Entry e = entries.remove(id);
        if (e != null) {
            e.renewer.close();
            removeMeters(e);
            e.next.get().completeExceptionally(new CertificateUnavailableException(
                    "no enrolled pod uses " + id + " any more", null));
            LOG.info("event=certificate_forgotten id={}", id);
        }
    }

    /**
     * Called with every new certificate of every identity (first and renewed), on the thread that completed the
     * fetch, never an event loop: a good place to build TLS contexts ahead of use. Must not block; exceptions are
     * logged by the renewer and do not stop other listeners.
     */
    public void addListener(java.util.function.Consumer<? super WorkloadCertificate> listener) {
        listeners.add(listener);
    }

    /** A valid certificate for {@code id} now, or null (none yet, or the last one expired). Never blocks. */
    public @Nullable WorkloadCertificate current(SpiffeId id) {
        Entry e = entries.get(id);
        return e == null ? null : usable(e.renewer.current());
    }

    /**
     * A valid certificate for {@code id}: completed at once when one is held, else when the CA answers (or fails,
     * with a {@link CertificateUnavailableException}). Starts obtaining one if nobody asked before.
     */
    public CompletableFuture<WorkloadCertificate> certificate(SpiffeId id) {
        Entry e = entry(id);
        WorkloadCertificate c = usable(e.renewer.current());
        if (c != null) {
            return CompletableFuture.completedFuture(c);
        }
        CompletableFuture<WorkloadCertificate> waiting = e.next.get();
        // a certificate may have arrived between the two reads: its listener completed the future we missed
        c = usable(e.renewer.current());
        return c != null ? CompletableFuture.completedFuture(c) : waiting;
    }

    /** Whether every identity asked for so far has a valid certificate (readiness). */
    public boolean allReady() {
        return pending().isEmpty();
    }

    /** Identities asked for that have no valid certificate now, sorted. */
    public List<SpiffeId> pending() {
        List<SpiffeId> out = new ArrayList<>();
        entries.forEach((id, e) -> {
            if (usable(e.renewer.current()) == null) {
                out.add(id);
            }
        });
        out.sort(java.util.Comparator.comparing(SpiffeId::uri));
        return out;
    }

    /** Every identity's certificate state, for admin {@code /certs}. */
    public List<CertificateStatus> statuses() {
        List<CertificateStatus> out = new ArrayList<>();
        entries.forEach((id, e) -> {
            WorkloadCertificate c = e.renewer.current();
            Instant next = e.renewer.nextAttempt();
            out.add(new CertificateStatus(id.uri(), c == null ? null : c.leaf().getSerialNumber().toString(16),
                    c == null ? null : c.notBefore().toString(), c == null ? null : c.notAfter().toString(),
                    next == null ? null : next.toString(), e.renewer.consecutiveFailures()));
        });
        out.sort(java.util.Comparator.comparing(CertificateStatus::identity));
        return out;
    }

    private Entry entry(SpiffeId id) {
        Entry e = entries.get(id);
        if (e != null) {
            return e;
        }
        Entry created = new Entry(id);
        e = entries.putIfAbsent(id, created);
        if (e != null) {
            return e;
        }
        LOG.info("event=certificate_requested id={}", id);
        created.renewer.start();
        return created;
    }

    private double secondsUntilExpiry(SpiffeId id) {
        Entry e = entries.get(id);
        WorkloadCertificate c = e == null ? null : e.renewer.current();
        return c == null ? Double.NaN : java.time.Duration.between(clock.instant(), c.notAfter()).toMillis() / 1000.0;
    }

    private void removeMeters(Entry e) {
        registry.remove(e.expiry);
        registry.remove(e.renewalFailures);
    }

    private @Nullable WorkloadCertificate usable(@Nullable WorkloadCertificate c) {
        return c != null && c.notAfter().isAfter(clock.instant()) ? c : null;
    }

    @Override
    public void close() {
        for (SpiffeId id : List.copyOf(entries.keySet())) {
            Entry e = entries.remove(id);
            if (e != null) {
                e.renewer.close();
                removeMeters(e);
            }
        }
    }
}
