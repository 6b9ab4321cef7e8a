package ai.iro.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.testing.DirectorySnapshot;
import ai.iro.examples.ShippedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A refused run changes nothing in {@code --out}: not the other run's files, not its cli.json. */
class RefusedRunsTest {
  private static String[] align(Path model, Path prompts, Path out, String seed) {
    return new String[] {"align", "--model", model.toString(), "--prompts", prompts.toString(), "--reward", "afinn",
        "--out", out.toString(), "--iterations", "1", "-W", "2", "-K", "2", "-L", "2", "--samples", "2",
        "--max-new-tokens", "4", "--seed", seed};
  }

  @Test
  void refusedResumeLeavesTheOtherRunsDirectoryByteForByte(@TempDir Path tmp) throws IOException {
    Path prompts = tmp.resolve("prompts.jsonl");
    Files.write(prompts, List.of("{\"prompt\": \"And God said\"}", "{\"prompt\": \"In the beginning\"}"));
    Path out = tmp.resolve("policy");
    CliRun first = CliRun.of(align(ShippedModel.directory(), prompts, out, "7"));
    assertThat(first.code()).as(first.toString()).isZero();
    Map<String, String> before = DirectorySnapshot.of(out);
    assertThat(before).containsKeys("cli.json", "manifest.json", "value-1");

    // Same model bytes at another path and another seed: another run, refused.
    Path copy = Files.createDirectories(tmp.resolve("model-copy"));
    for (String name : ShippedModel.FILES) {
      Files.copy(ShippedModel.directory().resolve(name), copy.resolve(name));
    }
    CliRun refused = CliRun.of(align(copy, prompts, out, "8"));
    assertThat(refused.code()).as(refused.toString()).isEqualTo(2);
    assertThat(refused.firstErrorLine()).contains("holds another run's manifest").contains("seed: \"7\" there, \"8\" here");
    assertThat(DirectorySnapshot.of(out)).as("cli.json (and its model path) and every other file unchanged")
        .isEqualTo(before);

    CliRun again = CliRun.of(align(ShippedModel.directory(), prompts, out, "7"));
    assertThat(again.code()).as(again.toString()).isZero();
    assertThat(again.out()).contains("resuming after 1 completed iteration(s)");
    assertThat(DirectorySnapshot.of(out)).as("resuming a finished run rewrites nothing that differs").isEqualTo(before);
  }
}
