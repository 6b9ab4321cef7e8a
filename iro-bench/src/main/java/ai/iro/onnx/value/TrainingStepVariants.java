package ai.iro.onnx.value;

import ai.iro.onnx.value.Mlp.StepArrays;
import ai.iro.onnx.value.Mlp.StepPool;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * One epoch of value-head training steps (1 hidden ReLU layer, 0.5 * MSE, AdamW with the library's
 * warmup and cosine schedule) done four ways, for {@link HeadTrainingStepBenchmark}: the library's
 * hand-written backward pass and AdamW; the hand-written backward pass with ND4J's
 * {@link AdamUpdater} plus decoupled weight decay; SameDiff's autodiff with the hand-written AdamW;
 * and SameDiff end to end ({@link SameDiff#fit} with ND4J's Adam and weight decay). All start from
 * the same weights and see the same minibatches. {@link #main} reports how far each drifts from the
 * hand-written weights.
 */
final class TrainingStepVariants {
  static final int DIMENSION = 256;
  static final int HIDDEN = 256;
  static final int BATCH = 256;
  static final double LEARNING_RATE = 1e-3;
  static final double WEIGHT_DECAY = 0.01;
  static final double WARMUP = 0.05;
  private static final String[] NAMES = {"w0", "b0", "w1", "b1"};
  private static final int[] SIZES = {DIMENSION, HIDDEN, 1};

  /** The training data and the initial weights shared by every variant. */
  static final class Data {
    final INDArray x;
    final float[] y;
    final int[][] batches;
    final float[][] initial;
    final LearningRateSchedule schedule;

    Data(int rows, long seed) {
      SplittableRandom random = new SplittableRandom(seed);
      float[] flat = new float[rows * DIMENSION];
      for (int i = 0; i < flat.length; i++) {
        flat[i] = (float) random.nextGaussian();
      }
      x = Nd4j.create(flat, new long[] {rows, DIMENSION}, DataType.FLOAT);
      y = new float[rows];
      for (int i = 0; i < rows; i++) {
        y[i] = (float) random.nextGaussian();
      }
      int[] order = TrainingSet.permutation(rows, random);
      batches = new int[(rows + BATCH - 1) / BATCH][];
      for (int b = 0; b < batches.length; b++) {
        batches[b] = Arrays.copyOfRange(order, b * BATCH, Math.min(rows, (b + 1) * BATCH));
      }
      initial = new float[][] {gaussian(DIMENSION * HIDDEN, Math.sqrt(2.0 / DIMENSION), random), new float[HIDDEN],
          gaussian(HIDDEN, Math.sqrt(1.0 / HIDDEN), random), new float[1]};
      schedule = LearningRateSchedule.of(LEARNING_RATE, WARMUP, batches.length);
    }

    INDArray[] initialParameters() {
      INDArray[] params = new INDArray[4];
      for (int p = 0; p < 4; p++) {
        long[] shape = p % 2 == 0 ? new long[] {SIZES[p / 2], SIZES[p / 2 + 1]} : new long[] {1, SIZES[p / 2 + 1]};
        params[p] = Nd4j.create(initial[p].clone(), shape, DataType.FLOAT);
      }
      return params;
    }

    private static float[] gaussian(int n, double sd, SplittableRandom random) {
      float[] values = new float[n];
      for (int i = 0; i < n; i++) {
        values[i] = (float) (sd * random.nextGaussian());
      }
      return values;
    }
  }

  /** A way of taking training steps. */
  abstract static class Variant implements AutoCloseable {
    final Data data;
    final StepPool steps = new StepPool(SIZES, DataType.FLOAT);

    Variant(Data data) {
      this.data = data;
    }

    /** One step on minibatch {@code b}. */
    abstract void step(int b);

    /** The current parameters, copied: w0, b0, w1, b1. */
    abstract INDArray[] parameters();

    /** The arrays of minibatch {@code b}, loaded. */
    StepArrays load(int b) {
      StepArrays s = steps.forRows(data.batches[b].length);
      s.load(data.x, data.y, data.batches[b]);
      return s;
    }

    @Override
    public void close() {
      steps.close();
    }
  }

  /** The library's backward pass with an optimiser applied to its gradients. */
  abstract static class HandWrittenBackward extends Variant {
    final Mlp mlp;
    final INDArray[] gradients;

    HandWrittenBackward(Data data) {
      super(data);
      INDArray[] p = data.initialParameters();
      mlp = new Mlp(SIZES, Activation.RELU, new float[DIMENSION], ones(DIMENSION), new INDArray[] {p[0], p[2]},
          new INDArray[] {p[1], p[3]});
      gradients = mlp.newGradients();
    }

    @Override
    void step(int b) {
      StepArrays s = load(b);
      mlp.forward(s);
      mlp.backward(s, Loss.MSE, gradients);
      update(b);
    }

    abstract void update(int b);

    @Override
    INDArray[] parameters() {
      return Arrays.stream(mlp.parameters()).map(INDArray::dup).toArray(INDArray[]::new);
    }

    @Override
    public void close() {
      super.close();
      mlp.close();
      Arrays.stream(gradients).forEach(INDArray::close);
    }
  }

  /** Today's code: the hand-written backward pass and AdamW. */
  static final class HandWritten extends HandWrittenBackward {
    private final OptimizerState optimizer;

    HandWritten(Data data) {
      super(data);
      optimizer = new OptimizerState(Optimizer.ADAMW, data.schedule, WEIGHT_DECAY, mlp.parameters(), gradients);
    }

    @Override
    void update(int b) {
      optimizer.step();
    }
  }

  /** The hand-written backward pass, ND4J's Adam updater, and the decay of AdamW applied before it. */
  static final class Nd4jAdam extends HandWrittenBackward {
    private final AdamUpdater[] updaters = new AdamUpdater[4];

    Nd4jAdam(Data data) {
      super(data);
      INDArray[] params = mlp.parameters();
      for (int p = 0; p < 4; p++) {
        updaters[p] = new AdamUpdater(new Adam(schedule(data.schedule)));
        updaters[p].setStateViewArray(Nd4j.zeros(DataType.FLOAT, 1, 2 * params[p].length()), params[p].shape(), 'c',
            true);
      }
    }

    @Override
    void update(int b) {
      INDArray[] params = mlp.parameters();
      double rate = data.schedule.at(b);
      for (int p = 0; p < 4; p++) {
        if (p % 2 == 0) {
          params[p].muli(1 - rate * WEIGHT_DECAY);
        }
        updaters[p].applyUpdater(gradients[p], b, 0);
        params[p].subi(gradients[p]);
      }
    }
  }

  /** SameDiff's graph of the same network and loss. */
  abstract static class SameDiffGraph extends Variant {
    final SameDiff sd = SameDiff.create();

    SameDiffGraph(Data data) {
      super(data);
      INDArray[] p = data.initialParameters();
      SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, DIMENSION);
      SDVariable y = sd.placeHolder("y", DataType.FLOAT, -1, 1);
      SDVariable hidden = sd.nn().relu(x.mmul(sd.var(NAMES[0], p[0])).add(sd.var(NAMES[1], p[1])), 0);
      SDVariable out = hidden.mmul(sd.var(NAMES[2], p[2])).add(sd.var(NAMES[3], p[3]));
      SDVariable diff = out.sub(y);
      diff.mul(diff).mean().mul("loss", 0.5);
      sd.setLossVariables("loss");
    }

    @Override
    INDArray[] parameters() {
      return Arrays.stream(NAMES).map(n -> sd.getArrForVarName(n).dup()).toArray(INDArray[]::new);
    }
  }

  /** SameDiff's gradients, copied into the hand-written AdamW. */
  static final class SameDiffGradients extends SameDiffGraph {
    private final INDArray[] gradients = new INDArray[4];
    private final OptimizerState optimizer;

    SameDiffGradients(Data data) {
      super(data);
      INDArray[] params = new INDArray[4];
      for (int p = 0; p < 4; p++) {
        params[p] = sd.getArrForVarName(NAMES[p]);
        gradients[p] = Nd4j.zeros(DataType.FLOAT, params[p].shape());
      }
      optimizer = new OptimizerState(Optimizer.ADAMW, data.schedule, WEIGHT_DECAY, params, gradients);
    }

    @Override
    void step(int b) {
      StepArrays s = load(b);
      Map<String, INDArray> g = sd.calculateGradients(Map.of("x", s.x, "y", s.target), NAMES);
      for (int p = 0; p < 4; p++) {
        gradients[p].assign(g.get(NAMES[p]));
      }
      optimizer.step();
    }
  }

  /** SameDiff end to end: its fit with ND4J's Adam on the schedule and decoupled weight decay. */
  static final class SameDiffFit extends SameDiffGraph {
    SameDiffFit(Data data) {
      super(data);
      sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(schedule(data.schedule)))
          .weightDecay(WEIGHT_DECAY, true).dataSetFeatureMapping("x").dataSetLabelMapping("y").build());
    }

    @Override
    void step(int b) {
      StepArrays s = load(b);
      sd.fit(new DataSet(s.x, s.target));
    }
  }

  static Variant create(String name, Data data) {
    switch (name) {
      case "handWritten":
        return new HandWritten(data);
      case "nd4jAdam":
        return new Nd4jAdam(data);
      case "sameDiffGradients":
        return new SameDiffGradients(data);
      case "sameDiffFit":
        return new SameDiffFit(data);
      default:
        throw new IllegalArgumentException("unknown variant " + name);
    }
  }

  private static ISchedule schedule(LearningRateSchedule schedule) {
    return new ISchedule() {
      @Override
      public double valueAt(int iteration, int epoch) {
        return schedule.at(iteration);
      }

      @Override
      public ISchedule clone() {
        return this;
      }
    };
  }

  private static float[] ones(int n) {
    float[] values = new float[n];
    Arrays.fill(values, 1f);
    return values;
  }

  /**
   * With {@code check [steps]}: runs that many steps (default: one epoch) of each variant on the
   * benchmark's data and prints how many parameter values differ from the hand-written ones, bit for
   * bit, and the largest difference. With {@code time [rounds]}: times one epoch of each variant in
   * turn, round after round (default 10) in one JVM, so that a noisy host slows all alike, and
   * prints each variant's median and its ratio to the hand-written median.
   */
  public static void main(String[] args) {
    Data data = new Data(100_000, 2024);
    if (args.length > 0 && args[0].equals("time")) {
      time(data, args.length > 1 ? Integer.parseInt(args[1]) : 10);
    } else {
      check(data, args.length > 1 ? Integer.parseInt(args[1]) : data.batches.length);
    }
  }

  private static void time(Data data, int rounds) {
    String[] names = {"handWritten", "nd4jAdam", "sameDiffGradients", "sameDiffFit"};
    double[][] millis = new double[names.length][rounds + 1];
    for (int round = 0; round <= rounds; round++) {
      for (int v = 0; v < names.length; v++) {
        try (Variant variant = create(names[v], data)) {
          long start = System.nanoTime();
          NativeThreads.training(() -> {
            for (int b = 0; b < data.batches.length; b++) {
              variant.step(b);
            }
            return null;
          });
          millis[v][round] = (System.nanoTime() - start) / 1e6;
        }
      }
    }
    double reference = 0;
    for (int v = 0; v < names.length; v++) {
      // Round 0 is warm-up.
      double[] measured = Arrays.copyOfRange(millis[v], 1, rounds + 1);
      Arrays.sort(measured);
      double median = measured[rounds / 2];
      reference = v == 0 ? median : reference;
      System.out.printf("%-18s epoch of %d steps: median %.0f ms, min %.0f, max %.0f over %d rounds; %.2fx hand-written%n",
          names[v], data.batches.length, median, measured[0], measured[rounds - 1], rounds, median / reference);
    }
  }

  private static void check(Data data, int stepCount) {
    NativeThreads.training(() -> {
      INDArray[] reference = run("handWritten", data, stepCount);
      long moved = 0;
      for (int p = 0; p < 4; p++) {
        float[] now = reference[p].data().asFloat();
        for (int i = 0; i < now.length; i++) {
          moved += Float.floatToRawIntBits(now[i]) != Float.floatToRawIntBits(data.initial[p][i]) ? 1 : 0;
        }
      }
      System.out.printf("handWritten        after %d steps: %d parameters moved from their initial values%n",
          stepCount, moved);
      for (String name : new String[] {"nd4jAdam", "sameDiffGradients", "sameDiffFit"}) {
        INDArray[] params = run(name, data, stepCount);
        long differ = 0;
        long total = 0;
        double largest = 0;
        for (int p = 0; p < 4; p++) {
          float[] a = reference[p].data().asFloat();
          float[] c = params[p].data().asFloat();
          for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(c[i])) {
              differ++;
            }
            largest = Math.max(largest, Math.abs(a[i] - c[i]));
          }
          total += a.length;
        }
        System.out.printf("%-18s after %d steps: %d of %d parameters differ from hand-written, largest |diff| %.3g%n",
            name, stepCount, differ, total, largest);
      }
      return null;
    });
  }

  private static INDArray[] run(String name, Data data, int stepCount) {
    try (Variant variant = create(name, data)) {
      for (int b = 0; b < stepCount; b++) {
        variant.step(b);
      }
      return variant.parameters();
    }
  }
}
