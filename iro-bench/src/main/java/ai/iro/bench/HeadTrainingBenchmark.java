package ai.iro.bench;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Head training: one {@link MlpValueTrainer#fit(float[][], double[], long)} of a head with one
 * hidden layer of 256 on {@code examples} rows of 256 seeded random features, {@code epochs}
 * epochs, batch 256, no held-out split (every row trained every epoch). Single-shot time per fit;
 * examples/s = examples * epochs / time.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = "-Xmx6g")
@State(Scope.Thread)
public class HeadTrainingBenchmark {
  static final int DIMENSION = 256;

  @Param({"100000"})
  public int examples;

  @Param({"1"})
  public int epochs;

  private MlpValueTrainer trainer;
  private float[][] x;
  private double[] y;
  private long seed;

  @Setup(Level.Trial)
  public void setUp() {
    ModelFeatures source = new ModelFeatures("synthetic", DIMENSION, (prompt, tokens) -> {
      throw new UnsupportedOperationException("synthetic features only");
    });
    trainer = MlpValueTrainer.builder().features(source).hiddenSizes(256).epochs(epochs).validationFraction(0)
        .build();
    SplittableRandom random = new SplittableRandom(2024);
    x = ValueHeadBenchmark.randomRows(random, examples, DIMENSION);
    y = new double[examples];
    for (int i = 0; i < examples; i++) {
      y[i] = random.nextDouble();
    }
  }

  @Benchmark
  public double fit() {
    MlpValueTrainer.FitResult result = trainer.fit(x, y, 31L + seed++);
    try (var head = result.head()) {
      return result.loss();
    }
  }
}
