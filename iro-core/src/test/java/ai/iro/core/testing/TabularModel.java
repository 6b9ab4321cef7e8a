package ai.iro.core.testing;

import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.model.NextTokenDistribution;
import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A tabular base model for exactness tests: a next-token distribution per response prefix (the
 * prompt is ignored), tokens decoded as letters {@code a, b, c, ...}, every response exactly
 * {@code horizon} tokens long (or {@link Sampling#maxNewTokens()} if shorter).
 */
public final class TabularModel implements BaseModel {
  private final int vocab;
  private final int horizon;
  private final Map<String, double[]> table;

  /**
   * @param vocab the number of tokens
   * @param horizon the response length
   * @param table next-token probabilities by prefix text ("" for the empty prefix)
   */
  public TabularModel(int vocab, int horizon, Map<String, double[]> table) {
    this.vocab = vocab;
    this.horizon = horizon;
    this.table = Map.copyOf(table);
  }

  public int vocab() {
    return vocab;
  }

  public int horizon() {
    return horizon;
  }

  /** The base probabilities after {@code prefix}. */
  public double[] probabilities(String prefix) {
    double[] p = table.get(prefix);
    Preconditions.checkArgument(p != null, "no table row for prefix '%s'", prefix);
    return p.clone();
  }

  @Override
  public Decoding open(List<String> prompts, Sampling sampling, long seed) {
    Preconditions.checkArgument(!prompts.isEmpty(), "no prompts");
    return new TabularDecoding(prompts, sampling, seed);
  }

  @Override
  public String decode(int[] tokens) {
    StringBuilder sb = new StringBuilder();
    for (int t : tokens) {
      sb.append((char) ('a' + t));
    }
    return sb.toString();
  }

  private static final class Row {
    final int promptIndex;
    final int[] tokens;
    final int length;
    final SplittableRandom random;
    final FinishReason finish;

    Row(int promptIndex, int[] tokens, int length, SplittableRandom random, FinishReason finish) {
      this.promptIndex = promptIndex;
      this.tokens = tokens;
      this.length = length;
      this.random = random;
      this.finish = finish;
    }
  }

  private final class TabularDecoding implements Decoding {
    private final List<String> prompts;
    private final Sampling sampling;
    private final SplittableRandom master;
    private final int limit;
    private Row[] rows;
    private long generated;
    private boolean closed;

    TabularDecoding(List<String> prompts, Sampling sampling, long seed) {
      this.prompts = List.copyOf(prompts);
      this.sampling = sampling;
      this.master = new SplittableRandom(seed);
      this.limit = Math.min(horizon, sampling.maxNewTokens());
      this.rows = new Row[prompts.size()];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = new Row(i, new int[limit], 0, master.split(), null);
      }
    }

    private void checkOpen() {
      Preconditions.checkState(!closed, "decoding is closed");
    }

    /** The sampling distribution after temperature, top-k and top-p, as (token, prob) sorted by prob. */
    private double[] distribution(Row row) {
      double[] p = probabilities(decode(Arrays.copyOf(row.tokens, row.length)));
      double t = sampling.temperature();
      double[] q = new double[p.length];
      if (t == 0) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
          if (p[i] > p[best]) {
            best = i;
          }
        }
        q[best] = 1;
        return q;
      }
      double sum = 0;
      for (int i = 0; i < p.length; i++) {
        q[i] = Math.pow(p[i], 1 / t);
        sum += q[i];
      }
      Integer[] order = new Integer[q.length];
      for (int i = 0; i < q.length; i++) {
        order[i] = i;
        q[i] /= sum;
      }
      Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -q[i]).thenComparingInt(i -> i));
      double[] kept = new double[q.length];
      double mass = 0;
      for (int rank = 0; rank < order.length; rank++) {
        if (sampling.topK() > 0 && rank >= sampling.topK()) {
          break;
        }
        if (rank > 0 && mass >= sampling.topP()) {
          break;
        }
        kept[order[rank]] = q[order[rank]];
        mass += q[order[rank]];
      }
      for (int i = 0; i < kept.length; i++) {
        kept[i] /= mass;
      }
      return kept;
    }

    private Row append(Row row, int token) {
      int[] tokens = row.tokens.clone();
      tokens[row.length] = token;
      int length = row.length + 1;
      generated++;
      return new Row(row.promptIndex, tokens, length, row.random, length >= limit ? FinishReason.LENGTH : null);
    }

    @Override
    public int size() {
      checkOpen();
      return rows.length;
    }

    @Override
    public void extend(int maxTokens) {
      checkOpen();
      Preconditions.checkArgument(maxTokens >= 1, "maxTokens must be at least 1, found %s", maxTokens);
      for (int r = 0; r < rows.length; r++) {
        for (int step = 0; step < maxTokens && rows[r].finish == null; step++) {
          double[] q = distribution(rows[r]);
          double u = rows[r].random.nextDouble();
          int token = q.length - 1;
          for (int i = 0; i < q.length; i++) {
            u -= q[i];
            if (u < 0 && q[i] > 0) {
              token = i;
              break;
            }
          }
          rows[r] = append(rows[r], token);
        }
      }
    }

    @Override
    public void reorder(int[] indices) {
      checkOpen();
      Preconditions.checkArgument(indices.length > 0, "no rows");
      Row[] next = new Row[indices.length];
      for (int i = 0; i < indices.length; i++) {
        Preconditions.checkArgument(indices[i] >= 0 && indices[i] < rows.length, "row %s out of range", indices[i]);
        Row old = rows[indices[i]];
        next[i] = new Row(old.promptIndex, old.tokens.clone(), old.length, master.split(), old.finish);
      }
      rows = next;
    }

    @Override
    public int promptIndex(int row) {
      return rows[row].promptIndex;
    }

    @Override
    public String prompt(int row) {
      return prompts.get(rows[row].promptIndex);
    }

    @Override
    public int[] responseTokens(int row) {
      return Arrays.copyOf(rows[row].tokens, rows[row].length);
    }

    @Override
    public int responseLength(int row) {
      return rows[row].length;
    }

    @Override
    public String responseText(int row) {
      return decode(responseTokens(row));
    }

    @Override
    public boolean isFinished(int row) {
      return rows[row].finish != null;
    }

    @Override
    public Optional<FinishReason> finishReason(int row) {
      return Optional.ofNullable(rows[row].finish);
    }

    @Override
    public boolean allFinished() {
      checkOpen();
      for (Row r : rows) {
        if (r.finish == null) {
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
    public Optional<NextTokenDistribution[]> candidates(int maxCandidates) {
      checkOpen();
      NextTokenDistribution[] out = new NextTokenDistribution[rows.length];
      for (int r = 0; r < rows.length; r++) {
        if (rows[r].finish != null) {
          out[r] = new NextTokenDistribution(new int[0], new double[0]);
          continue;
        }
        double[] q = distribution(rows[r]);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < q.length; i++) {
          if (q[i] > 0) {
            order.add(i);
          }
        }
        order.sort(Comparator.comparingDouble((Integer i) -> -q[i]).thenComparingInt(i -> i));
        int n = Math.min(maxCandidates, order.size());
        int[] tokens = new int[n];
        double[] logProbs = new double[n];
        for (int i = 0; i < n; i++) {
          tokens[i] = order.get(i);
          logProbs[i] = Math.log(q[order.get(i)]);
        }
        out[r] = new NextTokenDistribution(tokens, logProbs);
      }
      return Optional.of(out);
    }

    @Override
    public void force(int[] tokens) {
      checkOpen();
      Preconditions.checkArgument(tokens.length == rows.length, "need %s tokens, found %s", rows.length, tokens.length);
      for (int r = 0; r < rows.length; r++) {
        if (rows[r].finish == null) {
          rows[r] = append(rows[r], tokens[r]);
        }
      }
    }

    @Override
    public long tokensGenerated() {
      return generated;
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
