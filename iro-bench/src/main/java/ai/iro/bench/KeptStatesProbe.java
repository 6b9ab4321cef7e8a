package ai.iro.bench;

import ai.iro.core.data.Prompt;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.lm.OnnxCausalLM;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Value training's feature step with the states the sampling decoding kept
 * ({@code OnnxCausalLM.Builder.keepDecodedStates}) against the batched forward pass
 * ({@link OnnxCausalLM#prefixFeatures(List, List)} on a model that keeps nothing). The workload is
 * {@link PrefixFeaturesProbe}'s: {@code prompts} training prompts of the shipped model, 16 sampled
 * responses each (temperature 1, up to {@code maxNewTokens} tokens). Each of {@code runs} runs, after
 * one warm-up, samples the responses with both models (the same seed, so the same tokens) and then
 * asks each model for their features; it prints the seconds of each part, the medians, the decoding's
 * cost of recording and the largest absolute difference between the two ways' features.
 *
 * <p>Run from the repository root: {@code java -cp iro-bench/target/benchmarks.jar
 * ai.iro.bench.KeptStatesProbe [prompts] [maxNewTokens] [runs] [modelDirectory]}.
 */
public final class KeptStatesProbe {
  private KeptStatesProbe() {}

  public static void main(String[] args) throws IOException {
    int promptCount = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int maxNewTokens = args.length > 1 ? Integer.parseInt(args[1]) : 48;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 9;
    Path dir = Path.of(args.length > 3 ? args[3] : "models/kjv-tiny");
    List<Prompt> texts = PromptDataset.fromJsonl(dir.resolve("prompts-train.jsonl")).prompts()
        .subList(0, promptCount);
    Sampling sampling = Sampling.builder().temperature(1).topP(1).topK(0).maxNewTokens(maxNewTokens).build();
    try (OnnxCausalLM plain = OnnxCausalLM.load(dir);
        OnnxCausalLM keeping = OnnxCausalLM.builder().modelDirectory(dir).keepDecodedStates(1L << 30).build()) {
      System.out.printf(Locale.ROOT, "%d prompts x %d responses of up to %d tokens; pass vs kept states, %d runs%n",
          promptCount, PrefixFeaturesProbe.RESPONSES_PER_PROMPT, maxNewTokens, runs);
      double[] decodePlain = new double[runs];
      double[] decodeKeeping = new double[runs];
      double[] pass = new double[runs];
      double[] kept = new double[runs];
      double difference = 0;
      for (int run = -1; run < runs; run++) {
        PrefixFeaturesProbe.Sampled a = PrefixFeaturesProbe.sample(plain, texts, sampling);
        PrefixFeaturesProbe.Sampled b = PrefixFeaturesProbe.sample(keeping, texts, sampling);
        long t0 = System.nanoTime();
        List<float[][]> passed = plain.prefixFeatures(a.prompts(), a.responses());
        long t1 = System.nanoTime();
        List<float[][]> taken = keeping.prefixFeatures(b.prompts(), b.responses());
        long t2 = System.nanoTime();
        if (run < 0) {
          continue;
        }
        decodePlain[run] = a.seconds();
        decodeKeeping[run] = b.seconds();
        pass[run] = (t1 - t0) / 1e9;
        kept[run] = (t2 - t1) / 1e9;
        difference = Math.max(difference, PrefixFeaturesProbe.maxDifference(passed, taken));
        System.out.printf(Locale.ROOT, "run %d: decode %.3f s, decode recording %.3f s; features by pass %.3f s, "
            + "kept %.3f s%n", run + 1, a.seconds(), b.seconds(), pass[run], kept[run]);
      }
      double dp = PrefixFeaturesProbe.median(decodePlain);
      double dk = PrefixFeaturesProbe.median(decodeKeeping);
      double p = PrefixFeaturesProbe.median(pass);
      double k = PrefixFeaturesProbe.median(kept);
      System.out.printf(Locale.ROOT, "median decode %.3f s, recording %.3f s (%+.1f %%); features by pass %.3f s, "
          + "kept %.3f s; decode + features %.3f s against %.3f s (ratio %.2f); max |difference| %.2e%n",
          dp, dk, 100 * (dk / dp - 1), p, k, dp + p, dk + k, (dp + p) / (dk + k), difference);
    }
  }
}
