package io.trellis.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one identity's certificate fresh. Fetches a first certificate on {@link #start()}, renews
 * when {@link RenewalPolicy#renewAtFraction()} of its lifetime has passed (12 h into a 24 h SVID;
 * see {@code renewalDelay} for how the lifetime is counted), and retries failures
 * with jittered exponential backoff. A failed renewal never replaces a certificate: the last good
 * one stays {@link #current()} until a new one arrives (even past its expiry, so a peer reports
 * "expired" rather than this side silently having nothing to present).
 *
 * <p>At most one fetch is in flight. The fetcher may complete on any thread; listeners run on the
 * thread that completed the fetch and must not block. Clock, scheduler and randomness are injected
 * so tests drive time by hand.
 */
public final class CertificateRenewer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CertificateRenewer.class);

    private final SpiffeId id;
    private final Supplier<? extends CompletionStage<WorkloadCertificate>> fetcher;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final RandomGenerator random;
    private final RenewalPolicy policy;
    private final List<Consumer<? super WorkloadCertificate>> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();

    /** A snapshot read by data-plane threads without locking. */
    private volatile @Nullable WorkloadCertificate current;

    // Guarded by lock.
    private boolean started;
    private boolean closed;
    private boolean inFlight;
    private int failures;
    private @Nullable ScheduledFuture<?> pending;
    private @Nullable Instant nextAttempt;

    /** A renewer with {@link RenewalPolicy#DEFAULT}. */
    public CertificateRenewer(SpiffeId id, Supplier<? extends CompletionStage<WorkloadCertificate>> fetcher,
            ScheduledExecutorService scheduler, Clock clock, RandomGenerator random) {
        this(id, fetcher, scheduler, clock, random, RenewalPolicy.DEFAULT);
    }

    /**
     * @param id the identity every fetched certificate must carry
     * @param fetcher asks the CA for a new certificate; may throw or complete exceptionally
     */
    public CertificateRenewer(SpiffeId id, Supplier<? extends CompletionStage<WorkloadCertificate>> fetcher,
            ScheduledExecutorService scheduler, Clock clock, RandomGenerator random, RenewalPolicy policy) {
        this.id = id;
        this.fetcher = fetcher;
        this.scheduler = scheduler;
        this.clock = clock;
        this.random = random;
        this.policy = policy;
    }

    /** Fetches the first certificate right away (on the scheduler), then keeps renewing. */
    public void start() {
        synchronized (lock) {
            markStarted();
            scheduleLocked(Duration.ZERO);
        }
    }

    /** Starts with a certificate already in hand (e.g. from a previous run) and renews it when due. */
    public void start(WorkloadCertificate initial) {
        String problem = problemWith(initial, clock.instant());
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        synchronized (lock) {
            markStarted();
            current = initial;
            scheduleLocked(renewalDelay(initial, clock.instant(), false));
        }
        notifyListeners(initial);
    }

    /** The certificate to present now, or null before the first one arrived. */
    public @Nullable WorkloadCertificate current() {
        return current;
    }

    /** The identity this renewer keeps a certificate for. */
    public SpiffeId id() {
        return id;
    }

    /** Called with every new certificate (including the first); not called for failures. */
    public void addListener(Consumer<? super WorkloadCertificate> listener) {
        listeners.add(listener);
    }

    /** Fetches now instead of at the scheduled time (e.g. after a trust bundle change); no-op while a fetch runs. */
    public void renewNow() {
        synchronized (lock) {
            if (started && !closed && !inFlight) {
                scheduleLocked(Duration.ZERO);
            }
        }
    }

    /** Failed attempts since the last success. */
    public int consecutiveFailures() {
        synchronized (lock) {
            return failures;
        }
    }

    /** When the next fetch is scheduled, or null while one is in flight or after close. */
    public @Nullable Instant nextAttempt() {
        synchronized (lock) {
            return nextAttempt;
        }
    }

    /** Stops renewing; a fetch in flight is ignored when it completes. The current certificate stays readable. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            cancelPendingLocked();
        }
    }

    private void markStarted() {
        if (started) {
            throw new IllegalStateException("renewer for " + id + " already started");
        }
        if (closed) {
            throw new IllegalStateException("renewer for " + id + " is closed");
        }
        started = true;
    }

    private void attempt() {
        synchronized (lock) {
            if (closed || inFlight) {
                return;
            }
            inFlight = true;
            pending = null;
            nextAttempt = null;
        }
        CompletionStage<WorkloadCertificate> stage;
        try {
            stage = fetcher.get();
        } catch (RuntimeException e) {
            onResult(null, e);
            return;
        }
        stage.whenComplete(this::onResult);
    }

    private void onResult(@Nullable WorkloadCertificate fetched, @Nullable Throwable error) {
        Instant now = clock.instant();
        String problem = error != null ? describe(error)
                : fetched == null ? "the fetcher returned no certificate" : problemWith(fetched, now);
        if (problem == null && fetched != null) {
            synchronized (lock) {
                inFlight = false;
                if (closed) {
                    return;
                }
                current = fetched;
                failures = 0;
                scheduleLocked(renewalDelay(fetched, now, true));
            }
            log.info("event=certificate_rotated id={} serial={} not_after={} next_renewal={}", id,
                    fetched.leaf().getSerialNumber().toString(16), fetched.notAfter(), nextAttempt());
            notifyListeners(fetched);
            return;
        }
        Duration retryIn;
        int attempt;
        synchronized (lock) {
            inFlight = false;
            if (closed) {
                return;
            }
            attempt = ++failures;
            retryIn = jittered(policy.backoff(attempt));
            scheduleLocked(retryIn);
        }
        WorkloadCertificate kept = current;
        log.warn("event=certificate_renewal_failed id={} attempt={} retry_in_ms={} current_not_after={} "
                + "current_expired={} error=\"{}\"", id, attempt, retryIn.toMillis(),
                kept == null ? "none" : kept.notAfter(), kept != null && !kept.notAfter().isAfter(now), problem);
    }

    private @Nullable String problemWith(WorkloadCertificate certificate, Instant now) {
        if (!certificate.id().equals(id)) {
            return "the fetched certificate is for " + certificate.id() + ", not " + id;
        }
        if (!certificate.notAfter().isAfter(now)) {
            return "the fetched certificate already expired at " + certificate.notAfter();
        }
        return null;
    }

    /**
     * Time until renewal: {@code renewAtFraction} of the lifetime. For a certificate just fetched,
     * the lifetime counts from now rather than from notBefore, because the CA backdates notBefore
     * for clock skew; counting from there would renew a short-lived certificate at once, again and
     * again. A certificate handed to {@link #start(WorkloadCertificate)} may be old, so its lifetime
     * counts from notBefore and an overdue one is renewed right away. Fresh certificates wait at
     * least {@link RenewalPolicy#initialBackoff()}, so a CA about to expire (and so issuing ever
     * shorter certificates) cannot drive a tight renewal loop.
     */
    private Duration renewalDelay(WorkloadCertificate certificate, Instant now, boolean fresh) {
        Instant start = fresh && now.isAfter(certificate.notBefore()) ? now : certificate.notBefore();
        Duration lifetime = Duration.between(start, certificate.notAfter());
        Instant renewAt = start.plusMillis((long) (lifetime.toMillis() * policy.renewAtFraction()));
        Duration delay = Duration.between(now, renewAt);
        if (fresh && delay.compareTo(policy.initialBackoff()) < 0) {
            return policy.initialBackoff();
        }
        return delay.isNegative() ? Duration.ZERO : delay;
    }

    private Duration jittered(Duration base) {
        double factor = 1 + policy.jitter() * (2 * random.nextDouble() - 1);
        return Duration.ofNanos((long) (base.toNanos() * factor));
    }

    private void scheduleLocked(Duration delay) {
        cancelPendingLocked();
        if (closed) {
            return;
        }
        try {
            nextAttempt = clock.instant().plus(delay);
            pending = scheduler.schedule(this::attempt, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // The owner shut the scheduler down without closing us first: nothing more can run.
            closed = true;
            nextAttempt = null;
            log.warn("event=certificate_renewer_stopped id={} reason=scheduler_shut_down", id);
        }
    }

    private void cancelPendingLocked() {
        ScheduledFuture<?> future = pending;
        if (future != null) {
            future.cancel(false);
        }
        pending = null;
        nextAttempt = null;
    }

    private void notifyListeners(WorkloadCertificate certificate) {
        for (Consumer<? super WorkloadCertificate> listener : listeners) {
            try {
                listener.accept(certificate);
            } catch (RuntimeException e) {
                // One broken listener must not stop the others or the renewal itself.
                log.warn("event=certificate_listener_failed id={} listener={} error=\"{}\"", id, listener, e.toString());
            }
        }
    }

    private static String describe(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
