package ai.iro.bench;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.ValueStack;
import ai.iro.onnx.lm.OnnxCausalLM;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A long generation loop that prints resident memory (VmRSS from /proc/self/status) and Java heap
 * use at intervals, to show that native memory stays flat. Each round decodes 16 prompts for 200
 * sampled tokens (end-of-sequence stopping off) and runs one unguided chunk-level search
 * (W = 4, K = 4, L = 16, 64 tokens) on 4 prompts, with a per-round seed. The heap figure is taken
 * after {@code System.gc()}; run with a bounded heap (such as {@code -Xmx256m}) so that heap growth
 * before a collection does not read as resident growth.
 *
 * <p>Run from the repository root: {@code java -Xmx256m -cp iro-bench/target/benchmarks.jar
 * ai.iro.bench.MemoryProbe [rounds] [modelDirectory]}.
 */
public final class MemoryProbe {
  private MemoryProbe() {}

  public static void main(String[] args) throws IOException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    String model = args.length > 1 ? args[1] : BenchModels.DEFAULT_MODEL;
    int every = Math.max(1, rounds / 12);
    Sampling sampling = Sampling.builder().temperature(1.0).maxNewTokens(200).build();
    Searcher cbs = Searcher.builder().beamWidth(4).children(4).chunkLength(16)
        .sampling(sampling.toBuilder().maxNewTokens(64).build()).build();
    List<String> batch = BenchModels.prompts(16);
    List<String> searchPrompts = BenchModels.prompts(4);
    long tokens = 0;
    long start = System.nanoTime();
    try (OnnxCausalLM lm = BenchModels.load(model, Runtime.getRuntime().availableProcessors())) {
      print(0, tokens, start);
      for (int round = 1; round <= rounds; round++) {
        try (Decoding d = lm.open(batch, sampling, 1000L + round)) {
          d.extend(200);
          for (int r = 0; r < d.size(); r++) {
            tokens += d.responseLength(r);
          }
        }
        tokens += cbs.search(lm, ValueStack.empty(), Optional.empty(), searchPrompts, 2000L + round)
            .tokensGenerated();
        if (round % every == 0 || round == rounds) {
          print(round, tokens, start);
        }
      }
    }
  }

  private static void print(int round, long tokens, long start) throws IOException {
    long rssKb = 0;
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        rssKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    System.gc();
    Runtime rt = Runtime.getRuntime();
    System.out.printf("round=%d tokens=%d elapsed_s=%.1f VmRSS_MiB=%.1f heap_after_gc_MiB=%.1f%n", round, tokens,
        (System.nanoTime() - start) / 1e9, rssKb / 1024.0, (rt.totalMemory() - rt.freeMemory()) / 1048576.0);
  }
}
