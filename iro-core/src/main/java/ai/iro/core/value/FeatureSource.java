package ai.iro.core.value;

import java.util.List;

/**
 * Where a value head's input comes from: a fixed-length feature vector per search state. Heads of
 * successive iterations usually share one source: they read a batch's features through
 * {@link StateBatch#features(FeatureSource)}, which calls {@link #compute} once per batch and source
 * {@link #id()} and hands every head the same rows.
 *
 * <p>Thread safety: a shared {@code AlignedPolicy} calls {@link #compute} from every thread that
 * generates with it, so a source used that way must be thread safe (the ONNX model's features are).
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
   * Computes the features of a batch's states, one row of {@link #dimension()} values per state, in
   * order. Value functions call {@link StateBatch#features(FeatureSource)} instead, which computes
   * once per batch; the rows are then shared with other callers: do not modify them.
   *
   * @throws IllegalArgumentException if a state has no features this source can read
   */
  float[][] compute(StateBatch states);

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
