package ai.iro.core.testing;

import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A sampled model whose rows end early: each step draws a token uniformly from 1 .. 1,000,000, and
 * the tokens up to {@code endProbability * 1,000,000} end the row (a class of end-of-sequence
 * tokens, so that rows ending at the same step still differ). Rows also finish at
 * {@link Sampling#maxNewTokens()}. Two rows sampled independently are then token-for-token equal
 * with negligible probability (about 1e-6 per pair), so equal finals reveal copies of one finished
 * row. Every row has its own random stream; a fork gets a new stream split deterministically from
 * the batch's.
 */
public final class EarlyEndModel implements BaseModel {
  private static final int VOCABULARY = 1_000_000;
  private final int lastEndToken;

  /** A model whose rows end with the given probability at each step. */
  public EarlyEndModel(double endProbability) {
    this.lastEndToken = (int) Math.round(endProbability * VOCABULARY);
  }

  @Override
  public Decoding open(List<String> prompts, Sampling sampling, long seed) {
    return new EarlyEndDecoding(prompts, sampling.maxNewTokens(), seed);
  }

  @Override
  public String decode(int[] tokens) {
    StringBuilder sb = new StringBuilder();
    for (int t : tokens) {
      sb.append(" w").append(t);
    }
    return sb.toString();
  }

  private final class EarlyEndDecoding extends TokenRowsDecoding {
    private final SplittableRandom forks;
    private SplittableRandom[] randoms;

    EarlyEndDecoding(List<String> prompts, int limit, long seed) {
      super(prompts, limit, EarlyEndModel.this::decode);
      this.forks = new SplittableRandom(seed);
      this.randoms = new SplittableRandom[prompts.size()];
      for (int i = 0; i < randoms.length; i++) {
        randoms[i] = forks.split();
      }
    }

    @Override
    int nextToken(int row) {
      return 1 + randoms[row].nextInt(VOCABULARY);
    }

    @Override
    boolean ends(int token) {
      return token <= lastEndToken;
    }

    @Override
    void reordered(int[] parents) {
      SplittableRandom[] r = new SplittableRandom[parents.length];
      for (int i = 0; i < r.length; i++) {
        r[i] = forks.split();
      }
      randoms = r;
    }
  }
}
