package ai.iro.core.resample;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Picks the survivors of one search group from scored candidates. It sees only scores (and, for
 * diversity-first, the texts) and returns candidate indices; it knows nothing of models.
 *
 * <p>Get the four rules, and their standardised form, from {@link Resamplers}. Implementations are
 * immutable and thread safe.
 */
public interface Resampler {

  /**
   * Selects survivors.
   *
   * @param scores the candidates' scores; NaN is rejected, negative infinity means "never pick"
   * @param texts the candidates' texts, the same length as {@code scores}
   * @param count how many survivors to return, at least 1; indices may repeat
   * @param random the source of randomness for the random rules
   * @return {@code count} indices into {@code scores}
   * @throws IllegalArgumentException on a NaN score, mismatched lengths, no candidates, or when
   *     no candidate can be picked
   */
  int[] select(double[] scores, List<String> texts, int count, RandomGenerator random);

  /**
   * Whether a chunk-level search should hand this rule each candidate's score minus the score of the
   * prefix it was forked from at the previous chunk (0 at the first chunk), the incremental weight
   * of sequential Monte Carlo, instead of its whole score. False by default;
   * {@link Resamplers#incremental} makes a rule that is.
   */
  default boolean weighsIncrements() {
    return false;
  }

  /**
   * The rule's specification, which {@link Resamplers#parse} turns back into an equal resampler,
   * for example {@code "diversity-first"} or {@code "multinomial(tau=0.5)"}.
   */
  String spec();
}
