package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The Adam step on Java arrays equals Adam written out element by element, bit for bit. */
class OptimizerStateTest {

  @ParameterizedTest
  @EnumSource(Optimizer.class)
  void stepsEqualTheElementByElementReferenceBitForBit(Optimizer optimizer) {
    SplittableRandom random = new SplittableRandom(7);
    // Weights then biases of two layers, sizes unlike one another so that the scratch arrays are
    // reused over lengths shorter than their own.
    int[] sizes = {37 * 5, 5, 5 * 3, 3};
    INDArray[] params = new INDArray[sizes.length];
    INDArray[] grads = new INDArray[sizes.length];
    float[][] refW = new float[sizes.length][];
    float[][] refM = new float[sizes.length][];
    float[][] refV = new float[sizes.length][];
    for (int p = 0; p < sizes.length; p++) {
      refW[p] = randomFloats(random, sizes[p]);
      params[p] = Nd4j.createFromArray(refW[p].clone()).castTo(DataType.FLOAT);
      grads[p] = Nd4j.zeros(DataType.FLOAT, sizes[p]);
      refM[p] = new float[sizes[p]];
      refV[p] = new float[sizes[p]];
    }
    LearningRateSchedule schedule = LearningRateSchedule.of(3e-3, 0.1, 20);
    double weightDecay = 0.01;
    OptimizerState state = new OptimizerState(optimizer, schedule, weightDecay, params, grads);
    for (int step = 1; step <= 20; step++) {
      float rate = (float) schedule.at(step - 1);
      float c1 = (float) (1 - Math.pow(0.9, step));
      float c2 = (float) (1 - Math.pow(0.999, step));
      for (int p = 0; p < sizes.length; p++) {
        float[] g = randomFloats(random, sizes[p]);
        grads[p].assign(Nd4j.createFromArray(g));
        reference(optimizer, refW[p], g, refM[p], refV[p], rate, c1, c2, p % 2 == 0 ? (float) weightDecay : 0f);
      }
      state.step();
      for (int p = 0; p < sizes.length; p++) {
        assertThat(params[p].toFloatVector()).as("parameter %s after step %s", p, step).containsExactly(refW[p]);
      }
    }
    assertThat(state.steps()).isEqualTo(20);
  }

  /** Adam as the optimiser wrote it before, one element at a time. */
  private static void reference(Optimizer optimizer, float[] w, float[] g, float[] m, float[] v, float rate,
      float correction1, float correction2, float decay) {
    float b1 = 0.9f;
    float b2 = 0.999f;
    float eps = 1e-8f;
    boolean coupled = optimizer == Optimizer.ADAM;
    float shrink = coupled ? 1f : 1f - rate * decay;
    for (int i = 0; i < m.length; i++) {
      float wi = w[i];
      float gi = coupled ? g[i] + decay * wi : g[i];
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      float update = (m[i] / correction1) / ((float) Math.sqrt(v[i] / correction2) + eps);
      w[i] = wi * shrink - rate * update;
    }
  }

  private static float[] randomFloats(SplittableRandom random, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (random.nextGaussian() * 0.5);
    }
    return out;
  }
}
