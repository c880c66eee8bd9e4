package io.trellis.perf.load;

/** The monotonic clock latencies are measured with; tests drive a fake one. */
@FunctionalInterface
public interface NanoClock {

    long nanoTime();

    NanoClock SYSTEM = System::nanoTime;
}
