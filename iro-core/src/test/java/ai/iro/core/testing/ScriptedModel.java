package ai.iro.core.testing;

import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A deterministic model for hand-built search cases: at each step, row {@code r} of the batch
 * appends token {@code r % 2} ("a" or "b"); rows finish at {@link Sampling#maxNewTokens()}, and,
 * for {@link #endingOn}, when they append the end-of-sequence token.
 */
public final class ScriptedModel implements BaseModel {
  private final int endToken;

  /** Rows finish only at the length limit. */
  public ScriptedModel() {
    this(-1);
  }

  private ScriptedModel(int endToken) {
    this.endToken = endToken;
  }

  /** Rows also finish when they append {@code token} (0 for "a", 1 for "b"). */
  public static ScriptedModel endingOn(int token) {
    return new ScriptedModel(token);
  }

  @Override
  public Decoding open(List<String> prompts, Sampling sampling, long seed) {
    return new ScriptedDecoding(prompts, sampling.maxNewTokens());
  }

  @Override
  public String decode(int[] tokens) {
    StringBuilder sb = new StringBuilder();
    for (int t : tokens) {
      sb.append((char) ('a' + t));
    }
    return sb.toString();
  }

  private final class ScriptedDecoding implements Decoding {
    private final List<String> prompts;
    private final int limit;
    private int[] promptOf;
    private int[][] tokens;
    private long generated;

    ScriptedDecoding(List<String> prompts, int limit) {
      this.prompts = prompts;
      this.limit = limit;
      this.promptOf = new int[prompts.size()];
      this.tokens = new int[prompts.size()][0];
      for (int i = 0; i < promptOf.length; i++) {
        promptOf[i] = i;
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
          tokens[r] = Arrays.copyOf(tokens[r], tokens[r].length + 1);
          tokens[r][tokens[r].length - 1] = r % 2;
          generated++;
        }
      }
    }

    @Override
    public void reorder(int[] rows) {
      int[][] t = new int[rows.length][];
      int[] p = new int[rows.length];
      for (int i = 0; i < rows.length; i++) {
        Preconditions.checkArgument(rows[i] >= 0 && rows[i] < tokens.length, "row %s out of range", rows[i]);
        t[i] = tokens[rows[i]].clone();
        p[i] = promptOf[rows[i]];
      }
      tokens = t;
      promptOf = p;
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

    private boolean ended(int row) {
      int n = tokens[row].length;
      return n > 0 && tokens[row][n - 1] == endToken;
    }

    @Override
    public Optional<FinishReason> finishReason(int row) {
      if (ended(row)) {
        return Optional.of(FinishReason.END_OF_SEQUENCE);
      }
      return isFinished(row) ? Optional.of(FinishReason.LENGTH) : Optional.empty();
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
