package ai.iro.onnx.value;

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
 * One epoch of head-training steps (100,000 rows of 256 standardised features, 1 hidden ReLU layer
 * of 256, batch 256: 391 steps) in each of {@link TrainingStepVariants}' ways: {@code handWritten}
 * (today's code), {@code nd4jAdam}, {@code sameDiffGradients}, {@code sameDiffFit}. Only the steps
 * are timed; standardisation and evaluation are left out, as they are the same for all. It lives
 * in the library's package because the network and optimiser are package-private.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "-Xmx4g")
@State(Scope.Thread)
public class HeadTrainingStepBenchmark {
  @Param({"handWritten", "nd4jAdam", "sameDiffGradients", "sameDiffFit"})
  public String variant;

  private TrainingStepVariants.Data data;
  private TrainingStepVariants.Variant run;

  @Setup(Level.Trial)
  public void setUpData() {
    data = new TrainingStepVariants.Data(100_000, 2024);
  }

  @Setup(Level.Invocation)
  public void setUpRun() {
    run = TrainingStepVariants.create(variant, data);
  }

  @TearDown(Level.Invocation)
  public void tearDownRun() {
    run.close();
  }

  @Benchmark
  public Object epoch() {
    return NativeThreads.training(() -> {
      for (int b = 0; b < data.batches.length; b++) {
        run.step(b);
      }
      return run;
    });
  }
}
