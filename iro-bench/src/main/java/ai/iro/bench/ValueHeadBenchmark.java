package ai.iro.bench;

import ai.iro.onnx.value.MlpValueHead;
import ai.iro.onnx.value.MlpValueTrainer;
import ai.iro.onnx.features.ModelFeatures;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Value-head inference alone: one {@link MlpValueHead#values(float[][])} call on {@code states}
 * rows of 192 features (the shipped model's hidden size), one hidden layer of 256. Throughput in
 * calls/s; states/s = calls/s * states. No model is loaded: the feature source is never asked for
 * features.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class ValueHeadBenchmark {
  static final int DIMENSION = 192;

  @Param({"16", "256"})
  public int states;

  private MlpValueHead head;
  private float[][] batch;

  @Setup(Level.Trial)
  public void setUp() {
    ModelFeatures source = new ModelFeatures("synthetic", DIMENSION, (prompt, tokens) -> {
      throw new UnsupportedOperationException("synthetic features only");
    });
    SplittableRandom random = new SplittableRandom(2024);
    float[][] x = randomRows(random, 2000, DIMENSION);
    double[] y = new double[x.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = random.nextDouble();
    }
    head = MlpValueTrainer.builder().features(source).hiddenSizes(256).epochs(1).build().fit(x, y, 11L).head();
    batch = randomRows(random, states, DIMENSION);
  }

  static float[][] randomRows(SplittableRandom random, int rows, int dimension) {
    float[][] x = new float[rows][dimension];
    for (float[] row : x) {
      for (int j = 0; j < dimension; j++) {
        row[j] = (float) random.nextGaussian();
      }
    }
    return x;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    head.close();
  }

  @Benchmark
  public double[] infer() {
    return head.values(batch);
  }
}
