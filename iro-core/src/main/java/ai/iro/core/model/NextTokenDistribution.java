package ai.iro.core.model;

import com.google.common.base.Preconditions;
import java.util.Arrays;

/**
 * The next tokens a row may take and their log-probabilities under the model's sampling
 * distribution (after temperature, top-k and top-p), most likely first. Immutable and thread safe.
 */
public final class NextTokenDistribution {
  private final int[] tokens;
  private final double[] logProbs;

  /**
   * Creates candidates.
   *
   * @param tokens token ids
   * @param logProbs their log-probabilities, the same length
   */
  public NextTokenDistribution(int[] tokens, double[] logProbs) {
    Preconditions.checkArgument(tokens.length == logProbs.length,
        "tokens and logProbs differ in length: %s vs %s", tokens.length, logProbs.length);
    this.tokens = tokens.clone();
    this.logProbs = logProbs.clone();
  }

  /** The number of candidates. */
  public int size() {
    return tokens.length;
  }

  /** The token id of candidate {@code i}. */
  public int token(int i) {
    return tokens[i];
  }

  /** The log-probability of candidate {@code i}. */
  public double logProb(int i) {
    return logProbs[i];
  }

  @Override
  public String toString() {
    return "NextTokenDistribution" + Arrays.toString(tokens) + Arrays.toString(logProbs);
  }
}
