package ai.iro.examples.eval;

import java.util.List;

/**
 * A paired difference of two methods on one task: per prompt, method minus baseline, each averaged
 * over seeds. Immutable and thread safe.
 *
 * @param method the method
 * @param baseline what it is compared with
 * @param difference the mean difference with its paired-bootstrap interval
 * @param seedDifferences each seed's own mean difference, in seed order
 */
public record Difference(String method, String baseline, Interval difference, List<Double> seedDifferences) {
  /** Copies the list. */
  public Difference {
    seedDifferences = List.copyOf(seedDifferences);
  }

  /** Whether every seed's own difference is above zero. */
  public boolean positiveInEverySeed() {
    return seedDifferences.stream().allMatch(d -> d > 0);
  }
}
