package ai.iro.examples.eval;

import java.util.List;
import java.util.Objects;

/**
 * One task at one seed: every method's results on the held-out prompts and IRO's iteration timings.
 * Immutable and thread safe.
 *
 * @param seed the seed of the alignment (the evaluation's searches use {@code seed + 1})
 * @param methods the methods, in report order
 * @param iterations IRO's iterations
 * @param alignmentMillis the wall time of IRO's alignment
 * @param oneShotMillis the wall time of training the one-shot value
 */
public record SeedRun(long seed, List<MethodResult> methods, List<IterationTiming> iterations, long alignmentMillis,
    long oneShotMillis) {
  /** Validates and copies the fields. */
  public SeedRun {
    methods = List.copyOf(methods);
    iterations = List.copyOf(iterations);
  }

  /**
   * The result of a method.
   *
   * @throws IllegalArgumentException if there is no such method
   */
  public MethodResult method(String name) {
    Objects.requireNonNull(name, "name");
    return methods.stream().filter(m -> m.method().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no method \"" + name + "\" in seed " + seed));
  }
}
