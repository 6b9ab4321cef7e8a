package ai.iro.onnx.lm;

import java.util.Objects;

/**
 * Which of a decoder's hidden states make a state's value features ({@link OnnxCausalLM#features()},
 * the features its decodings attach to their states and its prefix features). Chosen with
 * {@link OnnxCausalLM.Builder#hiddenFeatures}; heads trained on one kind load only against a model
 * giving the same kind, since the kind is part of the features' id.
 */
public enum HiddenFeatures {
  /**
   * The last hidden state: the state after the prompt, then after the response's last token. The
   * default, and the paper's choice: {@code hiddenSize} values, id
   * {@code model:<weights>:last_hidden_state:<hiddenSize>}.
   */
  LAST("last_hidden_state", 1),

  /**
   * The last hidden state followed by the mean of the hidden states after each response token so
   * far (for the empty response, the state after the prompt again): {@code 2 * hiddenSize} values,
   * id {@code model:<weights>:last_and_mean_hidden_state:<2 * hiddenSize>}. The mean summarises the
   * whole response prefix, not only where it ends, which suits rewards that add up over the text
   * (word ratings, keywords, style). The means are summed in double precision in token order, in
   * decoding and in the prefix features alike.
   */
  LAST_AND_MEAN("last_and_mean_hidden_state", 2);

  private final String featureName;
  private final int widthFactor;

  HiddenFeatures(String featureName, int widthFactor) {
    this.featureName = featureName;
    this.widthFactor = widthFactor;
  }

  /** The name in the features' id, for example {@code last_hidden_state}. */
  public String featureName() {
    return featureName;
  }

  /** The feature length for a model of hidden size {@code hiddenSize}. */
  public int dimension(int hiddenSize) {
    return widthFactor * hiddenSize;
  }

  /** Whether the response's hidden states are averaged next to the last one. */
  boolean pools() {
    return this == LAST_AND_MEAN;
  }

  /**
   * The features of every prefix state from the hidden state of each: row 0 after the prompt, row
   * j after j response tokens. {@link #LAST} returns the rows themselves.
   */
  float[][] ofPrefixes(float[][] hidden) {
    Objects.requireNonNull(hidden, "hidden");
    if (!pools()) {
      return hidden;
    }
    float[][] out = new float[hidden.length][];
    double[] sum = new double[hidden.length == 0 ? 0 : hidden[0].length];
    for (int j = 0; j < hidden.length; j++) {
      if (j > 0) {
        add(sum, hidden[j]);
      }
      out[j] = of(hidden[j], sum, j);
    }
    return out;
  }

  /**
   * One state's features from its last hidden state, the sum of the hidden states after each of its
   * {@code count} response tokens (ignored by {@link #LAST}).
   */
  float[] of(float[] last, double[] sum, int count) {
    if (!pools()) {
      return last.clone();
    }
    int h = last.length;
    float[] out = new float[2 * h];
    System.arraycopy(last, 0, out, 0, h);
    for (int k = 0; k < h; k++) {
      out[h + k] = count == 0 ? last[k] : (float) (sum[k] / count);
    }
    return out;
  }

  /** Adds {@code hidden} into {@code sum}, element by element. */
  static void add(double[] sum, float[] hidden) {
    for (int k = 0; k < sum.length; k++) {
      sum[k] += hidden[k];
    }
  }
}
