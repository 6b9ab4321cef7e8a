package ai.iro.bench;

import ai.iro.core.model.Sampling;
import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.ConcatenatedFeatures;
import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.PrefixRewardFeatures;
import ai.iro.core.value.ValueStack;
import ai.iro.examples.eval.Task;
import ai.iro.examples.eval.Tasks;
import ai.iro.onnx.lm.HiddenFeatures;
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
 * What the value features cost a guided search: chunk-level search (W = 4, K = 4, L = 8, 32 new
 * tokens, the settings of {@code iro eval}) guided by a three-head stack whose heads read
 * <ul>
 *   <li>{@code last}: the last hidden state (the default);
 *   <li>{@code pooled}: the last hidden state and the mean over the response so far
 *       ({@link HiddenFeatures#LAST_AND_MEAN}, {@code --pooled-features});
 *   <li>{@code prefix-sentiment}, {@code prefix-classifier}: the last hidden state and the task's
 *       reward of the response so far ({@link PrefixRewardFeatures}, {@code --prefix-reward}): the
 *       AFINN sum (cheap) or the ONNX classifier of {@code models/kjv-classifier} (a forward pass
 *       per scored state).
 * </ul>
 * Time per search call of {@code prompts} prompts; the printed {@code value} timing is the time
 * spent scoring states, features included, except the pooled sums, which the decoding keeps as it
 * steps (model and reorder time). The heads are fitted in set-up on seeded random
 * features (their quality does not matter, only their cost); the same seed for every call, so every
 * variant decodes the same number of tokens when the heads rank alike and about the same otherwise.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class GuidanceFeaturesBenchmark {

  @Param({BenchModels.DEFAULT_MODEL})
  public String model;

  @Param({"last", "pooled", "prefix-sentiment", "prefix-classifier"})
  public String features;

  @Param({"8"})
  public int prompts;

  @Param({"2"})
  public int threads;

  private OnnxCausalLM lm;
  private Task task;
  private final List<MlpValueHead> heads = new ArrayList<>();
  private ValueStack values;
  private Searcher cbs;
  private List<String> promptTexts;
  private final TimingSums timings = new TimingSums();

  @Setup(Level.Trial)
  public void setUp() {
    if (!List.of("last", "pooled", "prefix-sentiment", "prefix-classifier").contains(features)) {
      throw new IllegalArgumentException("unknown features \"" + features
          + "\": expected last, pooled, prefix-sentiment or prefix-classifier");
    }
    lm = BenchModels.load(model, threads, features.equals("pooled") ? HiddenFeatures.LAST_AND_MEAN : HiddenFeatures.LAST);
    try {
      fitHeads();
    } catch (RuntimeException e) {
      tearDown();
      throw e;
    }
    Sampling sampling = Sampling.builder().temperature(1.0).maxNewTokens(32).build();
    cbs = Searcher.builder().beamWidth(4).children(4).chunkLength(8).sampling(sampling).build();
    promptTexts = BenchModels.prompts(prompts);
  }

  private void fitHeads() {
    FeatureSource source = lm.features();
    if (features.startsWith("prefix-")) {
      task = Tasks.open(features.substring("prefix-".length()),
          BenchModels.modelDirectory(model).resolve("tokenizer.json"));
      source = new ConcatenatedFeatures(List.of(lm.features(), new PrefixRewardFeatures(task.reward(), lm::decode)));
    }
    values = BenchModels.randomHeads(source, new double[] {1.0, 2.0, 2.5}, heads);
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
    if (task != null) {
      task.close();
    }
    lm.close();
  }

  @Benchmark
  public SearchOutcome chunkLevel() {
    return timings.record(cbs.search(lm, values, Optional.empty(), promptTexts, 7L));
  }
}
