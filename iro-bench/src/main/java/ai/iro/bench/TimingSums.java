package ai.iro.bench;

import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.SearchTimings;
import java.util.Arrays;

/** Sums of {@link SearchTimings} over a benchmark iteration's calls, printed as the mean per call. Not thread safe. */
final class TimingSums {
  private final long[] sums = new long[7];
  private long calls;
  private long tokens;

  /** Forgets every recorded call. */
  void reset() {
    Arrays.fill(sums, 0);
    calls = 0;
    tokens = 0;
  }

  /** Adds the outcome's timings and tokens; returns the outcome. */
  SearchOutcome record(SearchOutcome outcome) {
    SearchTimings t = outcome.timings();
    sums[0] += t.modelNanos();
    sums[1] += t.valueNanos();
    sums[2] += t.resampleNanos();
    sums[3] += t.reorderNanos();
    sums[4] += t.rewardNanos();
    sums[5] += t.totalNanos();
    sums[6] += t.samplingNanos();
    calls++;
    tokens += outcome.tokensGenerated();
    return outcome;
  }

  /** Prints the mean per call of each part, if any call was recorded. */
  void print() {
    if (calls == 0) {
      return;
    }
    double c = calls * 1e6;
    System.out.printf("%n[search timings] calls=%d tokens/call=%.0f ms/call: model=%.2f (forward=%.2f sampling=%.2f) "
            + "value=%.2f resample=%.3f reorder=%.2f reward=%.3f total=%.2f%n", calls, (double) tokens / calls,
        sums[0] / c, (sums[0] - sums[6]) / c, sums[6] / c, sums[1] / c, sums[2] / c, sums[3] / c, sums[4] / c,
        sums[5] / c);
  }
}
