package ai.iro.bench;

import ai.iro.core.model.Sampling;
import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.SearchTimings;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.ValueStack;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.core.value.FeatureSource;
import ai.iro.onnx.value.MlpValueTrainer;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A cross-check of {@link SearchBenchmark} with less noise: the same prompts and settings, many
 * alternating repetitions in one JVM, and the search's own per-phase timings. Best-of-16 is CBS
 * with one chunk of all 64 tokens and no value stack (the same rows and tokens); CBS is W = 4,
 * K = 4, L = 16 guided by three MLP heads, and the same CBS with an empty value stack (its
 * survivors chosen among equal scores), which separates the cost of the search's mechanics from
 * that of the value heads. Prints one line per repetition and the median ratios.
 *
 * <pre>java -cp iro-bench/target/benchmarks.jar ai.iro.bench.SearchBreakdown [repetitions] [threads]</pre>
 */
public final class SearchBreakdown {
  private SearchBreakdown() {}

  public static void main(String[] args) {
    int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    Sampling sampling = Sampling.builder().maxNewTokens(64).build();
    List<String> prompts = List.of("And all the days of", "And God said", "Blessed are they", "In the beginning");
    try (OnnxCausalLM lm = BenchModels.load(BenchModels.DEFAULT_MODEL, threads)) {
      FeatureSource features = lm.features();
      SplittableRandom random = new SplittableRandom(1);
      float[][] x = new float[2000][features.dimension()];
      double[] y = new double[x.length];
      for (int i = 0; i < x.length; i++) {
        for (int j = 0; j < x[i].length; j++) {
          x[i][j] = (float) random.nextGaussian();
        }
        y[i] = random.nextDouble();
      }
      ValueStack stack = ValueStack.empty();
      for (int h = 0; h < 3; h++) {
        stack = stack.with(MlpValueTrainer.builder().features(features).build().fit(x, y, h).head(), 1.0 + h);
      }
      Searcher bestOf16 = Searcher.bestOfN(16, sampling);
      Searcher cbs = Searcher.builder().beamWidth(4).children(4).chunkLength(16).sampling(sampling).build();
      double[] ratios = new double[repetitions];
      double[] unguided = new double[repetitions];
      for (int rep = -2; rep < repetitions; rep++) {
        SearchOutcome b = bestOf16.search(lm, ValueStack.empty(), Optional.empty(), prompts, rep);
        SearchOutcome c = cbs.search(lm, stack, Optional.empty(), prompts, rep);
        SearchOutcome u = cbs.search(lm, ValueStack.empty(), Optional.empty(), prompts, rep);
        if (rep < 0) {
          continue;
        }
        SearchTimings t = c.timings();
        ratios[rep] = (double) t.totalNanos() / b.timings().totalNanos();
        unguided[rep] = (double) u.timings().totalNanos() / b.timings().totalNanos();
        System.out.printf(Locale.ROOT, "rep %d: best-of-16 %.1f ms (%d tokens), CBS %.1f ms (%d tokens): model %.1f "
                + "(forward %.1f, sampling %.1f), value %.1f, resample %.1f, reorder %.1f; ratio %.3f; unguided CBS %.1f ms "
                + "(model %.1f), ratio %.3f%n",
            rep, b.timings().totalNanos() / 1e6, b.tokensGenerated(), t.totalNanos() / 1e6, c.tokensGenerated(),
            t.modelNanos() / 1e6, t.forwardNanos() / 1e6, t.samplingNanos() / 1e6, t.valueNanos() / 1e6,
            t.resampleNanos() / 1e6, t.reorderNanos() / 1e6, ratios[rep], u.timings().totalNanos() / 1e6,
            u.timings().modelNanos() / 1e6, unguided[rep]);
      }
      java.util.Arrays.sort(ratios);
      java.util.Arrays.sort(unguided);
      System.out.printf(Locale.ROOT, "median CBS / best-of-16 wall-time ratio over %d repetitions: %.3f "
          + "(unguided CBS / best-of-16: %.3f)%n", repetitions, ratios[repetitions / 2], unguided[repetitions / 2]);
    }
  }
}
