package ai.iro.onnx.value;

/** The optimiser that trains an {@link MlpValueHead}: Adam, with one of two forms of weight decay. */
public enum Optimizer {
  /** Adam; the weight decay is an L2 term added to the gradient (as in PyTorch's {@code Adam}). */
  ADAM,
  /** AdamW: Adam with the weight decay applied to the weights directly, decoupled from the gradient. */
  ADAMW
}
