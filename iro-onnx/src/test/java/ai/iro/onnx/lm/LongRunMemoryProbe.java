package ai.iro.onnx.lm;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.runtime.ExecutionOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Run in a child JVM by {@link LongRunMemoryTest}: decodes {@code rows} rows in batches of 16 (4
 * prompts forked 4 ways, two chunks of 4 tokens with a reorder between, every decoding closed) and
 * prints resident memory (VmRSS) after warm-up, at intervals and at the end, one line per sample:
 * {@code rss <batch> <bytes>}.
 */
public final class LongRunMemoryProbe {
  static final int ROWS_PER_BATCH = 16;
  static final int WARM_UP_BATCHES = 60;
  static final int SAMPLE_EVERY = 25;

  private LongRunMemoryProbe() {}

  static long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  /** Entry point: {@code modelDirectory rows}. */
  public static void main(String[] args) throws IOException {
    Path model = Path.of(args[0]);
    int batches = Integer.parseInt(args[1]) / ROWS_PER_BATCH;
    List<String> prompts = List.of("And God said", "Blessed are they", "In the beginning", "The LORD is my");
    Sampling sampling = Sampling.builder().maxNewTokens(8).build();
    int[] fork = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
    int[] survivors = {0, 0, 5, 5, 9, 9, 9, 14, 1, 3, 3, 3, 6, 6, 12, 15};
    long start = System.nanoTime();
    long tokens = 0;
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(model).execution(ExecutionOptions.cpu(1)).build()) {
      for (int b = 0; b < batches; b++) {
        try (Decoding d = lm.open(prompts, sampling, b)) {
          d.reorder(fork);
          d.extend(4);
          d.reorder(survivors);
          d.extend(4);
          tokens += d.tokensGenerated();
        }
        if (b >= WARM_UP_BATCHES && (b - WARM_UP_BATCHES) % SAMPLE_EVERY == 0 || b == batches - 1) {
          System.out.println("rss " + b + " " + residentBytes());
        }
      }
    }
    System.out.printf("rows %d tokens %d seconds %.1f%n", batches * ROWS_PER_BATCH, tokens, (System.nanoTime() - start) / 1e9);
  }
}
