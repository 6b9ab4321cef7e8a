package ai.iro.bench;

import ai.iro.core.model.Sampling;
import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.ValueStack;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.value.MlpValueHead;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * Chunk-level search (W = 4, K = 4, L = 16) guided by a three-head value stack against Best-of-16,
 * the same prompts, sampling and maximum new tokens, end-of-sequence stopping off so every row runs
 * to {@code maxNewTokens}. Time per search call of {@code prompts} prompts; ms per prompt = time /
 * prompts. The heads are MLPs on the model's last hidden state, fitted in set-up on seeded random
 * features and targets (their quality does not matter here, only their cost). Each measurement
 * iteration prints the mean {@link SearchTimings} per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class SearchBenchmark {

  @Param({BenchModels.DEFAULT_MODEL})
  public String model;

  @Param({"4"})
  public int prompts;

  @Param({"64"})
  public int maxNewTokens;

  @Param({"2"})
  public int threads;

  private OnnxCausalLM lm;
  private final List<MlpValueHead> heads = new ArrayList<>();
  private ValueStack values;
  private Searcher cbs;
  private Searcher bestOf16;
  private List<String> promptTexts;

  private final TimingSums timings = new TimingSums();

  @Setup(Level.Trial)
  public void setUp() {
    lm = BenchModels.load(model, threads);
    values = BenchModels.randomHeads(lm.features(), new double[] {1.0, 0.5, 0.25}, heads);
    Sampling sampling = Sampling.builder().temperature(1.0).maxNewTokens(maxNewTokens).build();
    cbs = Searcher.builder().beamWidth(4).children(4).chunkLength(16).sampling(sampling).build();
    bestOf16 = Searcher.bestOfN(16, sampling);
    promptTexts = BenchModels.prompts(prompts);
  }

  @Setup(Level.Iteration)
  public void resetTimings() {
    timings.reset();
  }

  @TearDown(Level.Iteration)
  public void printTimings() {
    timings.print();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    for (MlpValueHead head : heads) {
      head.close();
    }
    lm.close();
  }

  @Benchmark
  public SearchOutcome chunkLevel() {
    return timings.record(cbs.search(lm, values, Optional.empty(), promptTexts, 7L));
  }

  @Benchmark
  public SearchOutcome bestOfN() {
    return timings.record(bestOf16.search(lm, values, Optional.empty(), promptTexts, 7L));
  }
}
