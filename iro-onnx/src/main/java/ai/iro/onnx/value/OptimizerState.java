package ai.iro.onnx.value;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A running {@link Optimizer}: Adam's moments and step count, and the learning-rate schedule, a
 * linear warmup to the peak rate followed by a cosine decay to 0 over the planned steps. Each
 * {@link #step()} updates the parameters in place from their gradients, element by element on the
 * arrays' native memory: one pass instead of a dozen ND4J operations. Float32 arrays only.
 */
final class OptimizerState {
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPSILON = 1e-8;

  private final Optimizer optimizer;
  private final double peakRate;
  private final double weightDecay;
  private final long warmupSteps;
  private final long plannedSteps;
  private final FloatBuffer[] params;
  private final FloatBuffer[] grads;
  private final float[][] first;
  private final float[][] second;
  private long steps;

  /**
   * @param optimizer where the weight decay goes
   * @param peakRate the learning rate at the end of the warmup
   * @param weightDecay the weight decay of the weights; biases do not decay
   * @param warmup the fraction of the planned steps spent warming up
   * @param plannedSteps the steps over which the rate decays to 0
   * @param parameters each layer's weights then its biases, as {@link Mlp#parameters()}; updated in place
   * @param gradients the gradients of {@code parameters}, read at each step
   */
  OptimizerState(Optimizer optimizer, double peakRate, double weightDecay, double warmup, long plannedSteps,
      INDArray[] parameters, INDArray[] gradients) {
    this.optimizer = optimizer;
    this.peakRate = peakRate;
    this.weightDecay = weightDecay;
    this.plannedSteps = plannedSteps;
    this.warmupSteps = (long) Math.ceil(warmup * plannedSteps);
    params = new FloatBuffer[parameters.length];
    grads = new FloatBuffer[parameters.length];
    first = new float[parameters.length][];
    second = new float[parameters.length][];
    for (int p = 0; p < parameters.length; p++) {
      params[p] = parameters[p].data().asNioFloat();
      grads[p] = gradients[p].data().asNioFloat();
      first[p] = new float[(int) parameters[p].length()];
      second[p] = new float[first[p].length];
    }
  }

  /** The steps taken. */
  long steps() {
    return steps;
  }

  /** The learning rate of step {@code step} (from 0): linear warmup, then cosine decay. */
  double learningRate(long step) {
    if (step < warmupSteps) {
      return peakRate * (step + 1) / warmupSteps;
    }
    double progress = (double) (step - warmupSteps) / Math.max(1, plannedSteps - warmupSteps);
    return peakRate * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
  }

  /** One update of every parameter from its current gradient. */
  void step() {
    float rate = (float) learningRate(steps);
    steps++;
    float correction1 = (float) (1 - Math.pow(BETA1, steps));
    float correction2 = (float) (1 - Math.pow(BETA2, steps));
    for (int p = 0; p < params.length; p++) {
      float decay = p % 2 == 0 ? (float) weightDecay : 0f;
      update(params[p], grads[p], first[p], second[p], rate, correction1, correction2, decay);
    }
  }

  private void update(FloatBuffer w, FloatBuffer g, float[] m, float[] v, float rate, float correction1,
      float correction2, float decay) {
    float b1 = (float) BETA1;
    float b2 = (float) BETA2;
    float eps = (float) EPSILON;
    boolean coupled = optimizer == Optimizer.ADAM;
    float shrink = coupled ? 1f : 1f - rate * decay;
    for (int i = 0; i < m.length; i++) {
      float wi = w.get(i);
      float gi = coupled ? g.get(i) + decay * wi : g.get(i);
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      float update = (m[i] / correction1) / ((float) Math.sqrt(v[i] / correction2) + eps);
      w.put(i, wi * shrink - rate * update);
    }
  }
}
