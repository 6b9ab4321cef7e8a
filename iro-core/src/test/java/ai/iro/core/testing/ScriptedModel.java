package ai.iro.core.testing;

import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import java.util.List;

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

  private final class ScriptedDecoding extends TokenRowsDecoding {
    ScriptedDecoding(List<String> prompts, int limit) {
      super(prompts, limit, ScriptedModel.this::decode);
    }

    @Override
    int nextToken(int row) {
      return row % 2;
    }

    @Override
    boolean ends(int token) {
      return token == endToken;
    }
  }
}
