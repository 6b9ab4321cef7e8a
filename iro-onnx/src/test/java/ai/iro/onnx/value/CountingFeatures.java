package ai.iro.onnx.value;

import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueExample;
import java.util.ArrayList;
import java.util.List;

/**
 * A fake feature source that counts its computations. A state's features are a fixed function of
 * its prompt and response tokens: feature 0 says whether the prompt starts with "good", the others
 * mix the tokens seen so far.
 */
final class CountingFeatures implements FeatureSource {
  private final String id;
  private final int dimension;
  int batchComputations;
  int prefixCalls;

  CountingFeatures(String id, int dimension) {
    this.id = id;
    this.dimension = dimension;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public float[][] compute(StateBatch batch) {
    batchComputations++;
    float[][] rows = new float[batch.size()][];
    for (int i = 0; i < rows.length; i++) {
      State s = batch.get(i);
      rows[i] = of(s.prompt(), s.responseTokens(), s.responseLength());
    }
    return rows;
  }

  @Override
  public List<float[][]> prefixFeatures(List<ValueExample> examples) {
    prefixCalls++;
    List<float[][]> out = new ArrayList<>();
    for (ValueExample e : examples) {
      int[] tokens = e.responseTokens();
      float[][] rows = new float[tokens.length + 1][];
      for (int j = 0; j <= tokens.length; j++) {
        rows[j] = of(e.prompt(), tokens, j);
      }
      out.add(rows);
    }
    return out;
  }

  /** The features of the state (prompt, first {@code length} tokens). */
  float[] of(String prompt, int[] tokens, int length) {
    float[] f = new float[dimension];
    f[0] = prompt.startsWith("good") ? 1 : 0;
    for (int k = 1; k < dimension; k++) {
      double v = 0;
      for (int j = 0; j < length; j++) {
        v += Math.sin(0.7 * k * (tokens[j] + 1) + j);
      }
      f[k] = (float) (v / Math.sqrt(length + 1));
    }
    return f;
  }
}
