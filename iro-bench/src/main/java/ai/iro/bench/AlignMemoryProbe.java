package ai.iro.bench;

import ai.iro.core.Aligner;
import ai.iro.core.AlignmentListener;
import ai.iro.core.IterationMetrics;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.model.Sampling;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Searcher;
import ai.iro.onnx.features.ModelFeatures;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.value.MlpValueTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Resident memory of {@code Aligner.align}: the demo's alignment (3 iterations, 300 training prompts
 * per iteration, 16 samples per prompt in iteration 1, then CBS with W = 4, K = 4, L = 8, 32 new
 * tokens, MLP value heads on the model's hidden state) run {@code runs} times in one JVM. It prints
 * VmRSS (from /proc/self/status) and the heap after {@code System.gc()} at the start and after
 * every iteration, and the peak VmRSS sampled every 200 ms. The reward counts positive words (a
 * stand-in for the demo's AFINN lexicon, which lives in iro-examples): memory, not quality, is
 * measured. Run with a bounded heap so that heap growth before a collection does not read as
 * resident growth.
 *
 * <p>Run from the repository root: {@code java -Xmx256m -cp iro-bench/target/benchmarks.jar
 * ai.iro.bench.AlignMemoryProbe [runs] [promptsPerIteration] [modelDirectory]}.
 */
public final class AlignMemoryProbe {
  private static final Set<String> POSITIVE = Set.of("good", "love", "peace", "joy", "blessed", "glory", "mercy",
      "praise", "rejoice", "holy", "righteous", "light", "life", "grace");

  private AlignMemoryProbe() {}

  public static void main(String[] args) throws IOException {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int perIteration = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    Path dir = BenchModels.modelDirectory(args.length > 2 ? args[2] : BenchModels.DEFAULT_MODEL);
    PromptDataset all = PromptDataset.fromJsonl(dir.resolve("prompts-train.jsonl"));
    PromptDataset prompts = PromptDataset.ofPrompts(all.prompts().subList(0, 3 * perIteration));
    RewardModel reward = RewardModel.of("positive-words-v1", (prompt, response) -> {
      double n = 0;
      for (String w : response.toLowerCase(Locale.ROOT).split("[^a-z]+")) {
        n += POSITIVE.contains(w) ? 1 : 0;
      }
      return n;
    });
    AtomicLong peakKb = new AtomicLong();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rss-sampler");
      t.setDaemon(true);
      return t;
    });
    sampler.scheduleAtFixedRate(() -> peakKb.accumulateAndGet(rssKb(), Math::max), 0, 200, TimeUnit.MILLISECONDS);
    long start = System.nanoTime();
    try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
      ModelFeatures features = lm.features();
      print("loaded", 0, 0, start, peakKb);
      for (int run = 1; run <= runs; run++) {
        int r = run;
        Aligner.builder().baseModel(lm).reward(reward)
            .valueTrainer(MlpValueTrainer.builder().features(features).build())
            .searcher(Searcher.builder().beamWidth(4).children(4).chunkLength(8)
                .sampling(Sampling.builder().maxNewTokens(32).build()).build())
            .iterations(3).seed(42 + run)
            .listener(new AlignmentListener() {
              @Override
              public void onIterationEnd(IterationMetrics m) {
                print("iteration", r, m.iteration(), start, peakKb);
              }
            })
            .build().align(prompts);
      }
    } finally {
      sampler.shutdownNow();
    }
  }

  static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void print(String phase, int run, int iteration, long start, AtomicLong peakKb) {
    long rss = rssKb();
    System.gc();
    Runtime rt = Runtime.getRuntime();
    System.out.printf(Locale.ROOT, "%s run=%d iteration=%d elapsed_s=%.1f VmRSS_MiB=%.1f peak_VmRSS_MiB=%.1f "
        + "heap_after_gc_MiB=%.1f%n", phase, run, iteration, (System.nanoTime() - start) / 1e9, rss / 1024.0,
        Math.max(rss, peakKb.get()) / 1024.0, (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
  }
}
