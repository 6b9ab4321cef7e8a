package ai.iro.core.testing;

import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueExample;
import ai.iro.core.value.ValueTrainer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fits {@link TabularValue} exactly: each prefix's value is the mean target of the examples that
 * pass through it (the least-squares solution); the loss is the resulting mean squared error.
 */
public final class TabularTrainer implements ValueTrainer {
  private final TabularModel model;

  public TabularTrainer(TabularModel model) {
    this.model = model;
  }

  @Override
  public TrainedValue train(List<ValueExample> examples, long seed) {
    Map<String, double[]> sums = new HashMap<>();
    for (ValueExample e : examples) {
      int[] tokens = e.responseTokens();
      for (int j = 0; j <= tokens.length; j++) {
        String key = model.decode(java.util.Arrays.copyOf(tokens, j));
        double[] s = sums.computeIfAbsent(key, k -> new double[2]);
        s[0] += e.target();
        s[1] += 1;
      }
    }
    Map<String, Double> means = new HashMap<>();
    sums.forEach((k, s) -> means.put(k, s[0] / s[1]));
    double sq = 0;
    long n = 0;
    for (ValueExample e : examples) {
      int[] tokens = e.responseTokens();
      for (int j = 0; j <= tokens.length; j++) {
        double d = means.get(model.decode(java.util.Arrays.copyOf(tokens, j))) - e.target();
        sq += d * d;
        n++;
      }
    }
    return new TrainedValue(new TabularValue(means), sq / n);
  }
}
