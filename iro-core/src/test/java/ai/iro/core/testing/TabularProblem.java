package ai.iro.core.testing;

import ai.iro.core.reward.RewardModel;
import ai.iro.core.value.ValueStack;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.State;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The exactness fixture: 3 tokens, horizon 3, a random base policy table, a random reward over the
 * 27 responses, and the analytic guided distribution {@code pi_0 * exp(sum_i V_i / beta_i)}
 * normalised per step.
 */
public final class TabularProblem {
  public static final int VOCAB = 3;
  public static final int HORIZON = 3;

  private final TabularModel model;
  private final Map<String, Double> rewards;

  public TabularProblem(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, double[]> table = new HashMap<>();
    for (String prefix : prefixes()) {
      if (prefix.length() < HORIZON) {
        double[] p = new double[VOCAB];
        double sum = 0;
        for (int i = 0; i < VOCAB; i++) {
          p[i] = 0.05 + random.nextDouble();
          sum += p[i];
        }
        for (int i = 0; i < VOCAB; i++) {
          p[i] /= sum;
        }
        table.put(prefix, p);
      }
    }
    this.model = new TabularModel(VOCAB, HORIZON, table);
    this.rewards = new LinkedHashMap<>();
    for (String y : responses()) {
      rewards.put(y, random.nextDouble());
    }
  }

  public TabularModel model() {
    return model;
  }

  public double reward(String response) {
    Double r = rewards.get(response);
    if (r == null) {
      throw new IllegalArgumentException("not a complete response: '" + response + "'");
    }
    return r;
  }

  public RewardModel rewardModel() {
    return RewardModel.of("tabular", (prompt, response) -> reward(response));
  }

  /** All 27 responses in lexicographic order. */
  public static List<String> responses() {
    List<String> out = new ArrayList<>();
    for (String p : prefixes()) {
      if (p.length() == HORIZON) {
        out.add(p);
      }
    }
    return out;
  }

  /** Every prefix of length 0..HORIZON, shortest first, lexicographic within a length. */
  public static List<String> prefixes() {
    List<String> out = new ArrayList<>();
    out.add("");
    for (int start = 0; out.get(start).length() < HORIZON; start++) {
      for (int t = 0; t < VOCAB; t++) {
        out.add(out.get(start) + (char) ('a' + t));
      }
    }
    return out;
  }

  /** Random tabular values in [-scale, scale] for every prefix. */
  public static TabularValue randomValue(SplittableRandom random, double scale) {
    Map<String, Double> v = new HashMap<>();
    for (String p : prefixes()) {
      v.put(p, (2 * random.nextDouble() - 1) * scale);
    }
    return new TabularValue(v);
  }

  /**
   * The guidance score {@code sum_i V_i(prefix) / beta_i} of one prefix, written out from the
   * stack's terms rather than through {@link ValueStack#score}, so that the analytic distribution
   * does not mirror a bug of the code under test (guards against, for example, V * beta).
   */
  private static double score(ValueStack stack, String prefix) {
    int[] tokens = new int[prefix.length()];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = prefix.charAt(i) - 'a';
    }
    StateBatch batch = new StateBatch(List.of(State.of("x", tokens, prefix)));
    double total = 0;
    for (ValueStack.Term term : stack.terms()) {
      total += term.function().values(batch)[0] / term.beta();
    }
    return total;
  }

  /**
   * The exact probability of each response under pi_0 * exp(score) normalised per step; with an
   * empty stack this is pi_0.
   */
  public Map<String, Double> guidedDistribution(ValueStack stack) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String y : responses()) {
      double p = 1;
      for (int j = 0; j < HORIZON; j++) {
        String s = y.substring(0, j);
        double[] base = model.probabilities(s);
        double z = 0;
        double chosen = 0;
        for (int a = 0; a < VOCAB; a++) {
          double w = base[a] * Math.exp(score(stack, s + (char) ('a' + a)));
          z += w;
          if (a == y.charAt(j) - 'a') {
            chosen = w;
          }
        }
        p *= chosen / z;
      }
      out.put(y, p);
    }
    return out;
  }

  /** The exact expected reward under {@link #guidedDistribution}. */
  public double expectedReward(ValueStack stack) {
    double e = 0;
    for (Map.Entry<String, Double> en : guidedDistribution(stack).entrySet()) {
      e += en.getValue() * reward(en.getKey());
    }
    return e;
  }
}
