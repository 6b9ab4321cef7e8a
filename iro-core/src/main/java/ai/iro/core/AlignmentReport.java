package ai.iro.core;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * The metrics of every completed iteration of an alignment, oldest first, and its seed. Immutable and thread
 * safe.
 *
 * @param iterations one entry per completed iteration
 * @param seed the seed of the run
 */
public record AlignmentReport(List<IterationMetrics> iterations, long seed) {
  /** Copies the list. */
  public AlignmentReport {
    iterations = ImmutableList.copyOf(iterations);
  }
}
