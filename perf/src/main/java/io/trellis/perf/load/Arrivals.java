package io.trellis.perf.load;

import java.util.SplittableRandom;

/**
 * When requests are due: the gap to the next intended send time. Open loop means these times are
 * fixed in advance by the rate alone, whatever the target does.
 */
public sealed interface Arrivals permits Arrivals.Uniform, Arrivals.Poisson {

    /** Nanoseconds from one intended send time to the next. */
    long nextGapNanos();

    /** Requests per second this schedule aims at. */
    double rate();

    /** Same shape and seed, starting afresh (each repetition replays the same schedule). */
    Arrivals copy();

    /** Which kind of arrival process a run uses. */
    enum Kind { UNIFORM, POISSON }

    static Arrivals of(Kind kind, double rate, long seed) {
        return switch (kind) {
            case UNIFORM -> new Uniform(rate);
            case POISSON -> new Poisson(rate, seed);
        };
    }

    /** Evenly spaced arrivals; fractions of a nanosecond are carried so the rate does not drift. */
    final class Uniform implements Arrivals {
        private final double rate;
        private final double gap;
        private double carry;

        public Uniform(double rate) {
            if (!(rate > 0)) {
                throw new IllegalArgumentException("rate must be positive, got " + rate);
            }
            this.rate = rate;
            this.gap = 1e9 / rate;
        }

        @Override
        public long nextGapNanos() {
            carry += gap;
            long whole = (long) carry;
            carry -= whole;
            return whole;
        }

        @Override
        public double rate() {
            return rate;
        }

        @Override
        public Arrivals copy() {
            return new Uniform(rate);
        }
    }

    /**
     * A Poisson process: exponentially distributed gaps with mean 1/rate, from a seeded generator
     * so a run can be repeated exactly. Bursts like these are what real clients produce and what
     * uniform pacing hides.
     */
    final class Poisson implements Arrivals {
        private final double rate;
        private final long seed;
        private final SplittableRandom random;

        public Poisson(double rate, long seed) {
            if (!(rate > 0)) {
                throw new IllegalArgumentException("rate must be positive, got " + rate);
            }
            this.rate = rate;
            this.seed = seed;
            this.random = new SplittableRandom(seed);
        }

        @Override
        public long nextGapNanos() {
            // 1 - u is in (0, 1], so the logarithm is finite.
            double u = 1.0 - random.nextDouble();
            return Math.round(-Math.log(u) / rate * 1e9);
        }

        @Override
        public double rate() {
            return rate;
        }

        @Override
        public Arrivals copy() {
            return new Poisson(rate, seed);
        }
    }
}
