package io.trellis.identity;

import io.trellis.testkit.FakeScheduledExecutor;
import io.trellis.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class CertificateRenewerTest {

    private static final SpiffeId WEB = SpiffeId.of("cluster.local", "default", "web");
    private static final Duration TTL = Duration.ofHours(24);

    private final MutableClock clock = MutableClock.at("2026-01-10T12:00:00Z");
    private final FakeScheduledExecutor scheduler = new FakeScheduledExecutor(clock);
    private final CertificateAuthority ca = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(365), clock);
    private final ScriptedRandom random = new ScriptedRandom();
    private final List<WorkloadCertificate> rotations = new ArrayList<>();

    /** What the next fetch does; flip it to simulate a CA outage. */
    private volatile boolean caDown;
    private int fetches;

    private CompletionStage<WorkloadCertificate> fetch() {
        fetches++;
        if (caDown) {
            return CompletableFuture.failedFuture(new IllegalStateException("CA unavailable: connection refused"));
        }
        return CompletableFuture.completedFuture(ca.issue(WEB, TTL));
    }

    private CertificateRenewer renewer() {
        CertificateRenewer renewer = new CertificateRenewer(WEB, this::fetch, scheduler, clock, random);
        renewer.addListener(rotations::add);
        return renewer;
    }

    @Test
    void fetchesAtStartAndRenewsAtHalfTheLifetime() {
        CertificateRenewer renewer = renewer();
        renewer.start();
        assertThat(renewer.current()).isNull();

        scheduler.runDue();

        WorkloadCertificate first = renewer.current();
        assertThat(first).isNotNull();
        assertThat(rotations).containsExactly(first);
        // 24 h certificate fetched now: renewal 12 h from now (the 5 min notBefore backdating is not lifetime).
        Instant halfway = clock.instant().plus(Duration.ofHours(12));
        assertThat(renewer.nextAttempt()).isEqualTo(halfway);

        scheduler.advance(Duration.ofHours(12).minusSeconds(1));
        assertThat(fetches).isEqualTo(1);
        assertThat(renewer.current()).isSameAs(first);

        scheduler.advance(Duration.ofSeconds(1));
        assertThat(fetches).isEqualTo(2);
        assertThat(renewer.current()).isNotSameAs(first);
        assertThat(renewer.current().notAfter()).isEqualTo(first.notAfter().plus(Duration.ofHours(12)));
        assertThat(rotations).hasSize(2).last().isSameAs(renewer.current());
        assertThat(renewer.nextAttempt()).isEqualTo(halfway.plus(Duration.ofHours(12)));
    }

    @Test
    void shortLivedCertificatesDoNotCauseARenewalLoop() {
        CertificateRenewer renewer = new CertificateRenewer(WEB,
                () -> CompletableFuture.completedFuture(ca.issue(WEB, Duration.ofMinutes(2))), scheduler, clock, random);
        renewer.start();

        scheduler.runDue();

        // notBefore is 5 min in the past, longer than the whole 2 min TTL; renewal is still 1 min out.
        assertThat(renewer.current().notBefore()).isBefore(clock.instant().minus(Duration.ofMinutes(2)));
        assertThat(renewer.nextAttempt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(1)));
    }

    @Test
    void aCaAboutToExpireCannotDriveATightLoop() {
        CertificateAuthority dying = CertificateAuthority.selfSigned("cluster.local", Duration.ofSeconds(10), clock);
        CertificateRenewer renewer = new CertificateRenewer(WEB, () -> {
            fetches++;
            return CompletableFuture.completedFuture(dying.issue(WEB, TTL));
        }, scheduler, clock, random);
        renewer.start();
        scheduler.runDue();

        scheduler.advance(Duration.ofMillis(9999));

        // Each certificate lives half as long as the one before; without the 1 s floor the renewals
        // would pile up in the CA's last second. With it there is at most one per second.
        assertThat(fetches).isBetween(2, 10);
        assertThat(renewer.current().notAfter()).isEqualTo(dying.notAfter());
    }

    @Test
    void startingWithACertificateInHandRenewsItWhenDue() {
        WorkloadCertificate initial = ca.issue(WEB, Duration.ofHours(2));
        clock.advance(Duration.ofMinutes(30));
        CertificateRenewer renewer = renewer();

        renewer.start(initial);

        assertThat(renewer.current()).isSameAs(initial);
        assertThat(fetches).isZero();
        // Lifetime 2h05m (notBefore was backdated 5 min): half is 62.5 min after notBefore.
        assertThat(renewer.nextAttempt()).isEqualTo(initial.notBefore().plus(Duration.ofSeconds(3750)));
    }

    @Test
    void backsOffExponentiallyWithJitterWhileTheCaIsDown() {
        caDown = true;
        random.script(0.5, 0.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5);
        CertificateRenewer renewer = renewer();
        renewer.start();

        List<Duration> delays = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            scheduler.runDue();
            Instant next = renewer.nextAttempt();
            delays.add(Duration.between(clock.instant(), next));
            scheduler.advance(Duration.between(clock.instant(), next));
        }

        assertThat(delays.subList(0, 4)).containsExactly(
                Duration.ofSeconds(1),            // 1 s, jitter factor 1.0
                Duration.ofMillis(1600),          // 2 s * 0.8 (lowest jitter)
                Duration.ofMillis(4800),          // 4 s * 1.2 (highest jitter)
                Duration.ofSeconds(8));
        assertThat(delays.getLast()).isEqualTo(Duration.ofMinutes(5)); // capped
        assertThat(renewer.consecutiveFailures()).isEqualTo(13); // the loop's last advance ran one more attempt
        assertThat(renewer.current()).isNull();
        assertThat(rotations).isEmpty();
    }

    @Test
    void keepsTheValidCertificateWhileRenewalFailsAndRecovers() {
        CertificateRenewer renewer = renewer();
        renewer.start();
        scheduler.runDue();
        WorkloadCertificate good = renewer.current();

        caDown = true;
        scheduler.advance(Duration.ofHours(13));
        assertThat(renewer.consecutiveFailures()).isGreaterThan(5);
        assertThat(renewer.current()).isSameAs(good);

        // Even past expiry the last certificate stays: a peer then reports "expired", which points at the cause.
        scheduler.advance(Duration.ofHours(12));
        assertThat(clock.instant()).isAfter(good.notAfter());
        assertThat(renewer.current()).isSameAs(good);

        caDown = false;
        scheduler.advance(Duration.ofMinutes(6));
        WorkloadCertificate renewed = renewer.current();
        assertThat(renewed).isNotSameAs(good);
        assertThat(renewer.consecutiveFailures()).isZero();
        assertThat(rotations).containsExactly(good, renewed);
        // Renewal half-way through the new certificate's life (X.509 keeps whole seconds only).
        Instant halfway = renewed.notAfter().minus(Duration.ofHours(12));
        assertThat(renewer.nextAttempt()).isBetween(halfway.minusSeconds(1), halfway.plusSeconds(1));
    }

    @Test
    void treatsAFetcherThatThrowsLikeAFailedFetch() {
        CertificateRenewer renewer = new CertificateRenewer(WEB, () -> {
            throw new IllegalStateException("no route to CA");
        }, scheduler, clock, random);
        renewer.start();

        scheduler.runDue();

        assertThat(renewer.consecutiveFailures()).isEqualTo(1);
        assertThat(scheduler.pendingDueTimes()).hasSize(1);
    }

    @Test
    void rejectsACertificateForAnotherIdentity() {
        SpiffeId db = SpiffeId.of("cluster.local", "default", "db");
        CertificateRenewer renewer = new CertificateRenewer(WEB,
                () -> CompletableFuture.completedFuture(ca.issue(db, TTL)), scheduler, clock, random);
        renewer.start();

        scheduler.runDue();

        assertThat(renewer.current()).isNull();
        assertThat(renewer.consecutiveFailures()).isEqualTo(1);
    }

    @Test
    void waitsForAnAsynchronousFetchAndNeverRunsTwoAtOnce() {
        Deque<CompletableFuture<WorkloadCertificate>> inFlight = new ArrayDeque<>();
        CertificateRenewer renewer = new CertificateRenewer(WEB, () -> {
            CompletableFuture<WorkloadCertificate> future = new CompletableFuture<>();
            inFlight.add(future);
            return future;
        }, scheduler, clock, random);
        renewer.start();
        scheduler.runDue();
        assertThat(inFlight).hasSize(1);
        assertThat(renewer.nextAttempt()).isNull();

        renewer.renewNow();
        scheduler.advance(Duration.ofMinutes(10));
        assertThat(inFlight).hasSize(1);

        WorkloadCertificate issued = ca.issue(WEB, TTL);
        inFlight.removeFirst().complete(issued);

        assertThat(renewer.current()).isSameAs(issued);
        assertThat(renewer.nextAttempt()).isAfter(clock.instant());
    }

    @Test
    void renewNowFetchesImmediately() {
        CertificateRenewer renewer = renewer();
        renewer.start();
        scheduler.runDue();
        WorkloadCertificate first = renewer.current();

        renewer.renewNow();
        scheduler.runDue();

        assertThat(fetches).isEqualTo(2);
        assertThat(renewer.current()).isNotSameAs(first);
    }

    @Test
    void closeStopsRenewingAndIgnoresAFetchStillInFlight() {
        Deque<CompletableFuture<WorkloadCertificate>> inFlight = new ArrayDeque<>();
        CertificateRenewer renewer = new CertificateRenewer(WEB, () -> {
            CompletableFuture<WorkloadCertificate> future = new CompletableFuture<>();
            inFlight.add(future);
            return future;
        }, scheduler, clock, random);
        renewer.addListener(rotations::add);
        WorkloadCertificate initial = ca.issue(WEB, TTL);
        renewer.start(initial);
        scheduler.advance(Duration.ofHours(12));
        assertThat(inFlight).hasSize(1);

        renewer.close();
        inFlight.removeFirst().complete(ca.issue(WEB, TTL));
        scheduler.advance(Duration.ofDays(3));

        assertThat(renewer.current()).isSameAs(initial);
        assertThat(rotations).containsExactly(initial);
        assertThat(inFlight).isEmpty();
        assertThat(scheduler.pendingDueTimes()).isEmpty();
        assertThat(renewer.nextAttempt()).isNull();
    }

    @Test
    void closeCancelsTheScheduledRenewal() {
        CertificateRenewer renewer = renewer();
        renewer.start();
        scheduler.runDue();
        assertThat(scheduler.pendingDueTimes()).hasSize(1);

        renewer.close();
        scheduler.advance(Duration.ofDays(2));

        assertThat(scheduler.pendingDueTimes()).isEmpty();
        assertThat(fetches).isEqualTo(1);
    }

    @Test
    void aThrowingListenerDoesNotStopRenewalOrOtherListeners() {
        CertificateRenewer renewer = new CertificateRenewer(WEB, this::fetch, scheduler, clock, random);
        renewer.addListener(c -> {
            throw new IllegalStateException("listener bug");
        });
        renewer.addListener(rotations::add);
        renewer.start();

        scheduler.runDue();

        assertThat(rotations).hasSize(1);
        assertThat(renewer.nextAttempt()).isNotNull();
    }

    @Test
    void stopsWhenTheSchedulerIsShutDown() {
        CertificateRenewer renewer = renewer();
        renewer.start();
        scheduler.runDue();
        scheduler.shutdownNow();

        renewer.renewNow();

        assertThat(renewer.nextAttempt()).isNull();
        assertThat(renewer.current()).isNotNull();
    }

    @Test
    void refusesToStartTwiceOrWithAnExpiredCertificate() {
        CertificateRenewer renewer = renewer();
        renewer.start();
        assertThatThrownBy(renewer::start).isInstanceOf(IllegalStateException.class);

        WorkloadCertificate shortLived = ca.issue(WEB, Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(2));
        assertThatThrownBy(() -> renewer().start(shortLived))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already expired");
    }

    @Test
    void policyDoublesUpToTheCap() {
        RenewalPolicy policy = RenewalPolicy.DEFAULT;

        assertThat(policy.backoff(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.backoff(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.backoff(9)).isEqualTo(Duration.ofSeconds(256));
        assertThat(policy.backoff(10)).isEqualTo(Duration.ofMinutes(5));
        assertThat(policy.backoff(10_000)).isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> new RenewalPolicy(1.0, Duration.ofSeconds(1), Duration.ofSeconds(2), 0.2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void worksWithARealSchedulerAndFetchesCompletingOnAnotherThread() {
        CertificateAuthority realCa = CertificateAuthority.selfSigned("cluster.local", Duration.ofDays(1),
                java.time.Clock.systemUTC());
        java.util.concurrent.ScheduledExecutorService real = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        java.util.concurrent.ExecutorService caThread = java.util.concurrent.Executors.newSingleThreadExecutor();
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        try (CertificateRenewer renewer = new CertificateRenewer(WEB,
                () -> CompletableFuture.supplyAsync(() -> realCa.issue(WEB, TTL), caThread), real,
                java.time.Clock.systemUTC(), new java.util.SplittableRandom())) {
            renewer.addListener(c -> seen.incrementAndGet());
            renewer.start();
            io.trellis.testkit.Await.until("first certificate announced", Duration.ofSeconds(30), () -> seen.get() == 1);
            WorkloadCertificate first = renewer.current();

            renewer.renewNow();
            // Listeners run after current() changed, so wait for the second notification itself.
            io.trellis.testkit.Await.until("renewed certificate announced", Duration.ofSeconds(30),
                    () -> seen.get() == 2);

            assertThat(renewer.current()).isNotSameAs(first);
            assertThat(renewer.nextAttempt()).isAfter(Instant.now().plus(Duration.ofHours(11)));
        } finally {
            real.shutdownNow();
            caThread.shutdownNow();
        }
    }

    /** Returns scripted values from nextDouble (then 0.5, no jitter), so backoff delays are exact. */
    private static final class ScriptedRandom implements RandomGenerator {
        private final Deque<Double> values = new ArrayDeque<>();

        void script(double... next) {
            for (double value : next) {
                values.add(value);
            }
        }

        @Override
        public double nextDouble() {
            Double next = values.poll();
            return next == null ? 0.5 : next;
        }

        @Override
        public long nextLong() {
            throw new UnsupportedOperationException("the renewer only draws doubles");
        }
    }
}
