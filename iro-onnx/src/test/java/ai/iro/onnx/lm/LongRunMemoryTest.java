package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Resident memory stays flat over a long generation loop: 10,000 rows in batches of 16 (4 prompts
 * forked 4 ways, two chunks with a reorder between), every decoding closed.
 */
class LongRunMemoryTest {
  private static final int ROWS = 10_000;
  private static final int ROWS_PER_BATCH = 16;
  private static final int WARM_UP_BATCHES = 60;
  /** Allowed growth of resident memory between the end of warm-up and the end of the loop. */
  private static final long MAX_GROWTH_BYTES = 48L << 20;

  private static long residentBytes() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void residentMemoryStaysFlatOverTenThousandRows() throws IOException {
    List<String> prompts = List.of("And God said", "Blessed are they", "In the beginning", "The LORD is my");
    Sampling sampling = Sampling.builder().maxNewTokens(8).build();
    int[] fork = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
    int[] survivors = {0, 0, 5, 5, 9, 9, 9, 14, 1, 3, 3, 3, 6, 6, 12, 15};
    long warm = 0;
    long peak = 0;
    int batches = ROWS / ROWS_PER_BATCH;
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(ShippedModel.directory()).intraOpThreads(1).build()) {
      for (int b = 0; b < batches; b++) {
        try (Decoding d = lm.open(prompts, sampling, b)) {
          d.reorder(fork);
          d.extend(4);
          d.reorder(survivors);
          d.extend(4);
          assertThat(d.size()).isEqualTo(ROWS_PER_BATCH);
        }
        if (b == WARM_UP_BATCHES) {
          System.gc();
          warm = residentBytes();
        } else if (b > WARM_UP_BATCHES && b % 50 == 0) {
          peak = Math.max(peak, residentBytes());
        }
      }
      System.gc();
      long end = residentBytes();
      peak = Math.max(peak, end);
      System.out.printf("resident memory over %d rows: %.1f MB after warm-up, %.1f MB at the end, peak %.1f MB%n",
          ROWS, warm / 1e6, end / 1e6, peak / 1e6);
      assertThat(peak - warm).as("growth of resident memory after warm-up, bytes").isLessThan(MAX_GROWTH_BYTES);
    }
  }
}
