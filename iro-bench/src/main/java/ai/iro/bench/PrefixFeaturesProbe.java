package ai.iro.bench;

import ai.iro.core.data.Prompt;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.lm.OnnxCausalLM;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The prefix-feature step of value training, one forward pass per response against
 * {@link OnnxCausalLM#prefixFeatures(List, List)}'s batched passes (issue #12: head training's
 * share of an iteration). The workload is an iteration's: {@code prompts} training prompts of the
 * shipped model, 16 sampled responses each (temperature 1, up to {@code maxNewTokens} tokens), so
 * that every prompt repeats 16 times. Runs alternate, one-by-one then batched, {@code runs} times
 * after one warm-up each; it prints every run's seconds, the medians, their ratio and the largest
 * absolute difference between the two ways' features.
 *
 * <p>Run from the repository root: {@code java -cp iro-bench/target/benchmarks.jar
 * ai.iro.bench.PrefixFeaturesProbe [prompts] [maxNewTokens] [runs] [modelDirectory]}.
 */
public final class PrefixFeaturesProbe {
  static final int RESPONSES_PER_PROMPT = 16;

  private PrefixFeaturesProbe() {}

  public static void main(String[] args) throws IOException {
    int promptCount = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int maxNewTokens = args.length > 1 ? Integer.parseInt(args[1]) : 48;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 9;
    Path dir = Path.of(args.length > 3 ? args[3] : "models/kjv-tiny");
    List<Prompt> texts = PromptDataset.fromJsonl(dir.resolve("prompts-train.jsonl")).prompts()
        .subList(0, promptCount);
    try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
      Sampled sampled = sample(lm, texts, Sampling.builder().temperature(1).topP(1).topK(0)
          .maxNewTokens(maxNewTokens).build());
      List<Prompt> prompts = sampled.prompts();
      List<int[]> responses = sampled.responses();
      long tokens = 0;
      for (int i = 0; i < prompts.size(); i++) {
        tokens += lm.encodePrompt(prompts.get(i)).length + responses.get(i).length;
      }
      System.out.printf(Locale.ROOT, "%d prompts x %d responses, %d tokens in all; one-by-one vs batched, %d runs%n",
          promptCount, RESPONSES_PER_PROMPT, tokens, runs);
      oneByOne(lm, prompts, responses);
      lm.prefixFeatures(prompts, responses);
      double[] single = new double[runs];
      double[] batched = new double[runs];
      List<float[][]> a = null;
      List<float[][]> b = null;
      for (int run = 0; run < runs; run++) {
        long t0 = System.nanoTime();
        a = oneByOne(lm, prompts, responses);
        long t1 = System.nanoTime();
        b = lm.prefixFeatures(prompts, responses);
        long t2 = System.nanoTime();
        single[run] = (t1 - t0) / 1e9;
        batched[run] = (t2 - t1) / 1e9;
        System.out.printf(Locale.ROOT, "run %d: one-by-one %.3f s, batched %.3f s%n", run + 1, single[run],
            batched[run]);
      }
      double medianSingle = median(single);
      double medianBatched = median(batched);
      System.out.printf(Locale.ROOT, "median one-by-one %.3f s, batched %.3f s, ratio %.2f; max |difference| %.2e%n",
          medianSingle, medianBatched, medianSingle / medianBatched, maxDifference(a, b));
    }
  }

  /** An iteration's sampled responses, each with its prompt, and the seconds the sampling took. */
  record Sampled(List<Prompt> prompts, List<int[]> responses, double seconds) {}

  /** {@value #RESPONSES_PER_PROMPT} responses to each of {@code texts}, sampled with seed 42. */
  static Sampled sample(OnnxCausalLM lm, List<Prompt> texts, Sampling sampling) {
    long t0 = System.nanoTime();
    List<Prompt> prompts = new ArrayList<>();
    List<int[]> responses = new ArrayList<>();
    try (Decoding d = lm.openPrompts(texts, sampling, 42L)) {
      int[] rows = new int[texts.size() * RESPONSES_PER_PROMPT];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = i / RESPONSES_PER_PROMPT;
      }
      d.reorder(rows);
      d.extend(sampling.maxNewTokens());
      for (int r = 0; r < d.size(); r++) {
        prompts.add(texts.get(d.promptIndex(r)));
        responses.add(d.responseTokens(r));
      }
    }
    return new Sampled(prompts, responses, (System.nanoTime() - t0) / 1e9);
  }

  private static List<float[][]> oneByOne(OnnxCausalLM lm, List<Prompt> prompts, List<int[]> responses) {
    List<float[][]> out = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      out.add(lm.prefixFeatures(prompts.get(i), responses.get(i)));
    }
    return out;
  }

  static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  static double maxDifference(List<float[][]> a, List<float[][]> b) {
    double max = 0;
    for (int i = 0; i < a.size(); i++) {
      for (int j = 0; j < a.get(i).length; j++) {
        for (int k = 0; k < a.get(i)[j].length; k++) {
          max = Math.max(max, Math.abs(a.get(i)[j][k] - b.get(i)[j][k]));
        }
      }
    }
    return max;
  }
}
