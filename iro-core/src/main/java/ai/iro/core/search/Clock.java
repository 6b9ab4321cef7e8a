package ai.iro.core.search;

import java.util.function.Supplier;

/** Accumulates a search's time per {@link Phase}; one per search call, not thread safe. */
final class Clock {
  private final long[] nanos = new long[Phase.values().length];

  void add(Phase phase, long n) {
    nanos[phase.ordinal()] += n;
  }

  void time(Phase phase, Runnable r) {
    long t0 = System.nanoTime();
    r.run();
    add(phase, System.nanoTime() - t0);
  }

  double[] timeScore(Supplier<double[]> s) {
    long t0 = System.nanoTime();
    double[] out = s.get();
    add(Phase.VALUE, System.nanoTime() - t0);
    return out;
  }

  SearchTimings timings(long sampling, long total) {
    return new SearchTimings(nanos[0], sampling, nanos[1], nanos[2], nanos[3], nanos[4], total);
  }
}

