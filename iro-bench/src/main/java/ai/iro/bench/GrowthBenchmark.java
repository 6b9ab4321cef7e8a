package ai.iro.bench;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.onnxruntime.OrtException;
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
 * tokens; 56 vs 224 keeps the 4x token ratio of the goal (256 vs 64). {@code bare} runs the
 * same decode with the bare ONNX Runtime loop ({@link BareOrtDecoder}): its own growth ratio is
 * what the graph itself costs (each step's present cache is a new tensor holding the whole past,
 * and attention reads it all), so the library's ratio can be compared with it.
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
  private BareOrtDecoder bare;
  private int[] promptTokens;
  private List<String> prompts;
  private Sampling sampling;

  @Setup(Level.Trial)
  public void setUp() throws OrtException {
    lm = BenchModels.load(model, threads);
    bare = BareOrtDecoder.open(lm, threads);
    prompts = BenchModels.samePrompt(batch);
    promptTokens = lm.encodePrompt(prompts.get(0));
    int promptLength = promptTokens.length;
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
    bare.close();
    lm.close();
  }

  @Benchmark
  public int library() {
    try (Decoding d = lm.open(prompts, sampling, 42L)) {
      d.extend(newTokens);
      return d.responseLength(0);
    }
  }

  @Benchmark
  public int[][] bare() throws OrtException {
    return bare.decode(promptTokens, batch, newTokens);
  }
}
