package ai.iro.core.testing;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The bookkeeping of a test model's rows (prompt, response tokens, finish state, forks), shared by
 * the scripted test models; a subclass says which token a row appends next and which tokens end a
 * row. Rows also finish at the length limit.
 */
abstract class TokenRowsDecoding implements Decoding {
  private final List<String> prompts;
  private final int limit;
  private final Function<int[], String> decoder;
  private int[] promptOf;
  private int[][] tokens;
  private long generated;

  TokenRowsDecoding(List<String> prompts, int limit, Function<int[], String> decoder) {
    this.prompts = prompts;
    this.limit = limit;
    this.decoder = decoder;
    this.promptOf = new int[prompts.size()];
    this.tokens = new int[prompts.size()][0];
    for (int i = 0; i < promptOf.length; i++) {
      promptOf[i] = i;
    }
  }

  /** The token row {@code row} appends next. */
  abstract int nextToken(int row);

  /** Whether {@code token} ends a row. */
  abstract boolean ends(int token);

  /** Called after a reorder with the parent of each new row. */
  void reordered(int[] parents) {}

  @Override
  public int size() {
    return tokens.length;
  }

  @Override
  public void extend(int maxTokens) {
    for (int r = 0; r < tokens.length; r++) {
      for (int s = 0; s < maxTokens && !isFinished(r); s++) {
        int token = nextToken(r);
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
    for (int i = 0; i < rows.length; i++) {
      Preconditions.checkArgument(rows[i] >= 0 && rows[i] < tokens.length, "row %s out of range", rows[i]);
      t[i] = tokens[rows[i]].clone();
      p[i] = promptOf[rows[i]];
    }
    tokens = t;
    promptOf = p;
    reordered(rows);
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
    return decoder.apply(tokens[row]);
  }

  @Override
  public boolean isFinished(int row) {
    return tokens[row].length >= limit || ended(row);
  }

  private boolean ended(int row) {
    int n = tokens[row].length;
    return n > 0 && ends(tokens[row][n - 1]);
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
