package ai.iro.bench;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.lm.OnnxCausalLM;
import java.util.List;
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
 * How decode time grows with length: greedy decode of {@code newTokens} tokens with the library.
 * The model's context is 256 positions, so the longest run that fits a short prompt is 224 new
 * tokens; 56 vs 224 keeps the 4x token ratio of the goal (256 vs 64).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class GrowthBenchmark {

  @Param({BenchModels.DEFAULT_MODEL})
  public String model;

  @Param({"4"})
  public int batch;

  @Param({"56", "224"})
  public int newTokens;

  @Param({"2"})
  public int threads;

  private OnnxCausalLM lm;
  private List<String> prompts;
  private Sampling sampling;

  @Setup(Level.Trial)
  public void setUp() {
    lm = BenchModels.load(model, threads);
    prompts = BenchModels.samePrompt(batch);
    int promptLength = lm.encodePrompt(prompts.get(0)).length;
    if (promptLength + newTokens > lm.contextLength()) {
      throw new IllegalStateException("prompt (" + promptLength + ") + " + newTokens + " exceeds the context "
          + lm.contextLength());
    }
    sampling = Sampling.greedy(newTokens);
    int produced = library();
    System.out.println("[growth] prompt tokens=" + promptLength + ", new tokens produced=" + produced);
    if (produced != newTokens) {
      throw new IllegalStateException("stopped early at " + produced + " tokens");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    lm.close();
  }

  @Benchmark
  public int library() {
    try (Decoding d = lm.open(prompts, sampling, 42L)) {
      d.extend(newTokens);
      return d.responseLength(0);
    }
  }
}
