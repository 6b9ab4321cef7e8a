package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Resident memory stays flat over a long generation loop: {@value #ROWS} rows in batches of 16 with
 * forks and reorders, every decoding closed. Runs {@link LongRunMemoryProbe} in a child JVM whose heap
 * is fixed and touched up front, so that resident memory moves only with native memory (ONNX Runtime
 * tensors, direct buffers, the tokenizer) and not with the heap's resizing or the other tests.
 */
class LongRunMemoryTest {
  static final int ROWS = 10_000;
  /** Allowed growth of resident memory from the end of warm-up to any later sample. */
  static final long MAX_GROWTH_BYTES = 64L << 20;
  private static final List<String> JVM_OPTIONS = List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch");

  @Test
  @EnabledOnOs(OS.LINUX)
  void residentMemoryStaysFlatOverTenThousandRows() throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), LongRunMemoryProbe.class.getName(),
        ShippedModel.directory().toString(), String.valueOf(ROWS)));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("probe exit status; output:%n%s", out).isZero();
    List<Long> samples = new ArrayList<>();
    for (String line : out.lines().toList()) {
      if (line.startsWith("rss ")) {
        samples.add(Long.parseLong(line.split(" ")[2]));
      } else if (line.startsWith("rows ")) {
        System.out.println("long run: " + line);
      }
    }
    assertThat(samples).hasSizeGreaterThan(10);
    long warm = samples.get(0);
    long peak = samples.stream().mapToLong(Long::longValue).max().orElseThrow();
    long end = samples.get(samples.size() - 1);
    System.out.printf("resident memory over %d rows (%s): %.1f MB after warm-up, %.1f MB at the end, peak %.1f MB, "
        + "growth %.1f MB%n", ROWS, JVM_OPTIONS, warm / 1e6, end / 1e6, peak / 1e6, (peak - warm) / 1e6);
    assertThat(peak - warm).as("growth of resident memory after warm-up, bytes").isLessThan(MAX_GROWTH_BYTES);
  }
}
