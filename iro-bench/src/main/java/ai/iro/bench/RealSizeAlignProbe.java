package ai.iro.bench;

import ai.iro.core.Aligner;
import ai.iro.core.AlignmentListener;
import ai.iro.core.IterationMetrics;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.data.PromptSplit;
import ai.iro.core.model.Sampling;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Searcher;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.runtime.ExecutionOptions;
import ai.iro.onnx.value.MlpValueTrainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The whole IRO loop at real size: {@code Aligner.align} on the GPT-2-small-shaped model of
 * {@code iro-bench/scripts/make_gpt2_small.py} with a small prompt set, printing each iteration's
 * wall time, tokens and memory. Iteration 1 samples 16 responses per prompt from the base model;
 * iteration 2 runs chunk-level search (W = 4, K = 4, L = 8) guided by iteration 1's value head;
 * both score with the reward, keep one response per prompt and train an MLP value head on the
 * model's 768-wide last hidden state. 32 new tokens, 8 prompts per iteration, fresh prompts each
 * iteration (the first {@code 8 * iterations} prompts of {@code models/kjv-tiny/prompts-train.jsonl}).
 * The reward is the share of vowels among the response's letters: the weights are random, so
 * the figures are time and memory, not quality.
 *
 * <p>Memory: VmRSS after loading and after each iteration, VmHWM (the kernel's peak resident size
 * of the process), the heap after {@code System.gc()} and the sum of the heap pools' peaks (an upper
 * bound of the heap's peak). Run with a bounded heap so that the heap figures mean something.
 *
 * <p>Run from the repository root: {@code java -Xmx1g -cp iro-bench/target/benchmarks.jar
 * ai.iro.bench.RealSizeAlignProbe [modelDirectory] [iterations] [promptsPerIteration] [threads]}
 * (defaults {@code iro-bench/target/gpt2-small 2 8 2}).
 */
public final class RealSizeAlignProbe {
  private static final int NEW_TOKENS = 32;

  private RealSizeAlignProbe() {}

  /** Runs the probe; see the class comment for the arguments. */
  public static void main(String[] args) throws IOException {
    Path dir = BenchModels.modelDirectory(args.length > 0 ? args[0] : RealSizeDecodeProbe.DEFAULT_MODEL);
    int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int perIteration = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    PromptDataset all = PromptDataset.fromJsonl(Path.of("models/kjv-tiny/prompts-train.jsonl"));
    PromptDataset prompts = PromptDataset.ofPrompts(all.prompts().subList(0, iterations * perIteration));
    RewardModel reward = RewardModel.of("vowel-share-v1", (prompt, response) -> vowelShare(response));
    long start = System.nanoTime();
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(dir).execution(ExecutionOptions.cpu(threads))
        .build()) {
      System.out.printf(Locale.ROOT, "loaded %s in %.1f s: hidden %d, vocabulary %d, context %d; threads %d%n", dir,
          (System.nanoTime() - start) / 1e9, lm.hiddenSize().orElseThrow(), lm.vocabularySize(), lm.contextLength(),
          threads);
      print("loaded", start);
      Aligner.builder().baseModel(lm).reward(reward)
          .valueTrainer(MlpValueTrainer.builder().features(lm.features()).build())
          .searcher(Searcher.builder().beamWidth(4).children(4).chunkLength(8)
              .sampling(Sampling.builder().maxNewTokens(NEW_TOKENS).build()).build())
          .iterations(iterations).split(PromptSplit.FRESH_SLICES).seed(42)
          .listener(new AlignmentListener() {
            @Override
            public void onIterationEnd(IterationMetrics m) {
              System.out.printf(Locale.ROOT, "iteration %d: %d prompts, %d samples, %d tokens sampled, %d value "
                  + "examples, wall time %.1f s (%.1f tokens/s), mean sample reward %.3f, mean kept reward %.3f%n",
                  m.iteration(), m.prompts(), m.samples(), m.tokensSampled(), m.examples(),
                  m.wallTime().toNanos() / 1e9, m.tokensSampled() / (m.wallTime().toNanos() / 1e9),
                  m.meanSampleReward(), m.meanKeptReward());
              print("after iteration " + m.iteration(), start);
            }
          })
          .build().align(prompts);
    }
    System.out.printf(Locale.ROOT, "total %.1f s; peak VmHWM %.1f MiB; heap pool peaks %.1f MiB (max heap %.0f MiB)%n",
        (System.nanoTime() - start) / 1e9, ProcessMemory.peakResidentKb() / 1024.0,
        ProcessMemory.heapPoolPeaksBytes() / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0);
  }

  /** The share of vowels among the ASCII letters of a text; 0 for a text without letters. */
  static double vowelShare(String text) {
    int letters = 0;
    int vowels = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = Character.toLowerCase(text.charAt(i));
      if (c >= 'a' && c <= 'z') {
        letters++;
        vowels += "aeiou".indexOf(c) >= 0 ? 1 : 0;
      }
    }
    return letters == 0 ? 0 : (double) vowels / letters;
  }

  private static void print(String phase, long start) {
    long rss = ProcessMemory.residentKb();
    System.out.printf(Locale.ROOT, "%s: elapsed %.1f s, VmRSS %.1f MiB, VmHWM %.1f MiB, heap after GC %.1f MiB%n",
        phase, (System.nanoTime() - start) / 1e9, rss / 1024.0, ProcessMemory.peakResidentKb() / 1024.0,
        ProcessMemory.heapAfterGcBytes() / 1048576.0);
  }
}
