package ai.iro.core.testing;

import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
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

  private final class EarlyEndDecoding implements Decoding {
    private final List<String> prompts;
    private final int limit;
    private final SplittableRandom forks;
    private int[] promptOf;
    private int[][] tokens;
    private SplittableRandom[] randoms;
    private long generated;

    EarlyEndDecoding(List<String> prompts, int limit, long seed) {
      this.prompts = prompts;
      this.limit = limit;
      this.forks = new SplittableRandom(seed);
      this.promptOf = new int[prompts.size()];
      this.tokens = new int[prompts.size()][0];
      this.randoms = new SplittableRandom[prompts.size()];
      for (int i = 0; i < promptOf.length; i++) {
        promptOf[i] = i;
        randoms[i] = forks.split();
      }
    }

    @Override
    public int size() {
      return tokens.length;
    }

    @Override
    public void extend(int maxTokens) {
      for (int r = 0; r < tokens.length; r++) {
        for (int s = 0; s < maxTokens && !isFinished(r); s++) {
          int token = 1 + randoms[r].nextInt(VOCABULARY);
          tokens[r] = Arrays.copyOf(tokens[r], tokens[r].length + 1);
          tokens[r][tokens[r].length - 1] = token;
          generated++;
        }
      }
    }

    @Override
    public void reorder(int[] rows) {
      Preconditions.checkArgument(rows.length > 0, "reorder needs at least one row");
      int[][] t = new int[rows.length][];
      int[] p = new int[rows.length];
      SplittableRandom[] r = new SplittableRandom[rows.length];
      for (int i = 0; i < rows.length; i++) {
        Preconditions.checkArgument(rows[i] >= 0 && rows[i] < tokens.length, "row %s out of range", rows[i]);
        t[i] = tokens[rows[i]].clone();
        p[i] = promptOf[rows[i]];
        r[i] = forks.split();
      }
      tokens = t;
      promptOf = p;
      randoms = r;
    }

    @Override
    public int promptIndex(int row) {
      return promptOf[row];
    }

    @Override
    public String prompt(int row) {
      return prompts.get(promptOf[row]);
    }

    @Override
    public int[] responseTokens(int row) {
      return tokens[row].clone();
    }

    @Override
    public int responseLength(int row) {
      return tokens[row].length;
    }

    @Override
    public String responseText(int row) {
      return decode(tokens[row]);
    }

    @Override
    public boolean isFinished(int row) {
      return tokens[row].length >= limit || ended(row);
    }

    @Override
    public Optional<FinishReason> finishReason(int row) {
      if (ended(row)) {
        return Optional.of(FinishReason.END_OF_SEQUENCE);
      }
      return tokens[row].length >= limit ? Optional.of(FinishReason.LENGTH) : Optional.empty();
    }

    private boolean ended(int row) {
      int n = tokens[row].length;
      return n > 0 && tokens[row][n - 1] <= lastEndToken;
    }

    @Override
    public boolean allFinished() {
      for (int r = 0; r < tokens.length; r++) {
        if (!isFinished(r)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public Optional<float[][]> features() {
      return Optional.empty();
    }

    @Override
    public long tokensGenerated() {
      return generated;
    }

    @Override
    public void close() {}
  }
}
