package ai.iro.onnx.value;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A running {@link Optimizer}: Adam's moments and step count on a {@link LearningRateSchedule}. Each
 * {@link #step()} updates the parameters in place from their gradients in one pass instead of a dozen
 * ND4J operations: each array is copied in bulk from its native memory into a Java array, updated
 * there in a loop the JIT compiles to vector instructions, and copied back (reading and writing the
 * native buffers element by element was most of the step's time). Float32 arrays only.
 */
final class OptimizerState {
  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double EPSILON = 1e-8;

  private final Optimizer optimizer;
  private final LearningRateSchedule schedule;
  private final double weightDecay;
  private final FloatBuffer[] params;
  private final FloatBuffer[] grads;
  private final float[][] first;
  private final float[][] second;
  private final float[] weights;
  private final float[] gradient;
  private long steps;

  /**
   * @param optimizer where the weight decay goes
   * @param schedule the learning rate of each step
   * @param weightDecay the weight decay of the weights; biases do not decay
   * @param parameters each layer's weights then its biases, as {@link Mlp#parameters()}; updated in place
   * @param gradients the gradients of {@code parameters}, read at each step
   */
  OptimizerState(Optimizer optimizer, LearningRateSchedule schedule, double weightDecay, INDArray[] parameters,
      INDArray[] gradients) {
    this.optimizer = optimizer;
    this.schedule = schedule;
    this.weightDecay = weightDecay;
    params = new FloatBuffer[parameters.length];
    grads = new FloatBuffer[parameters.length];
    first = new float[parameters.length][];
    second = new float[parameters.length][];
    int largest = 0;
    for (int p = 0; p < parameters.length; p++) {
      params[p] = parameters[p].data().asNioFloat();
      grads[p] = gradients[p].data().asNioFloat();
      first[p] = new float[(int) parameters[p].length()];
      second[p] = new float[first[p].length];
      largest = Math.max(largest, first[p].length);
    }
    weights = new float[largest];
    gradient = new float[largest];
  }

  /** The steps taken. */
  long steps() {
    return steps;
  }

  /** One update of every parameter from its current gradient. */
  void step() {
    float rate = (float) schedule.at(steps);
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
    int n = m.length;
    float[] wa = weights;
    float[] ga = gradient;
    w.get(0, wa, 0, n);
    g.get(0, ga, 0, n);
    for (int i = 0; i < n; i++) {
      float wi = wa[i];
      float gi = coupled ? ga[i] + decay * wi : ga[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      float update = (m[i] / correction1) / ((float) Math.sqrt(v[i] / correction2) + eps);
      wa[i] = wi * shrink - rate * update;
    }
    w.put(0, wa, 0, n);
  }
}
