package ai.iro.onnx.value;

import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueExample;
import java.util.List;

/**
 * Where a value head's input comes from: a fixed-length feature vector per search state. Heads of
 * successive iterations usually share one source, so implementations compute a batch's features
 * once through {@link StateBatch#shared} and every head reads the same rows.
 */
public interface FeatureSource {

  /**
   * Identifies the features, for example {@code "model:kjv-tiny:last_hidden_state:192"}. A saved
   * head records it and loads only against a source with the same id.
   */
  String id();

  /** The length of every feature vector. */
  int dimension();

  /**
   * The features of a batch's states, one row of {@link #dimension()} values per state, in order.
   * The rows may be shared with other callers through the batch's memo: do not modify them.
   *
   * @throws IllegalArgumentException if a state has no features this source can read
   */
  float[][] features(StateBatch states);

  /**
   * The features of every prefix state of each example: per example a matrix of
   * {@code responseLength() + 1} rows (the prompt alone, then after each response token) of
   * {@link #dimension()} values; ideally one forward pass per example.
   *
   * @param examples the examples
   * @return one matrix per example, in order
   */
  List<float[][]> prefixFeatures(List<ValueExample> examples);
}
