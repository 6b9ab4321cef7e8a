package ai.iro.onnx.value;

/** The training loss of an {@link MlpValueHead}, which also fixes its output. */
public enum Loss {
  /**
   * {@code 0.5 * mean squared error}, the paper's value loss; the head's output is the network's
   * output as is.
   */
  MSE,
  /**
   * Binary cross-entropy on a sigmoid output, for rewards that are probabilities; targets must lie
   * in [0, 1] and the head's values lie in [0, 1].
   */
  BCE
}
