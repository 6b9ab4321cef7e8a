package ai.iro.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.reward.RewardModel;
import ai.iro.onnx.lm.HiddenFeatures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cli.json}'s reward for value heads that read it: loaded once per distinct reward when shared. */
class CliFileTest {

  private static Optional<CliFile> file(Path dir, String reward, boolean prefixReward) throws IOException {
    Files.createDirectories(dir);
    new CliFile(dir.toAbsolutePath(), "cpu", Optional.of(reward), Optional.empty(), false, HiddenFeatures.LAST,
        prefixReward).write(dir);
    return CliFile.read(dir);
  }

  @Test
  void policiesWithTheSameRewardShareOneLoadedModel(@TempDir Path tmp) throws IOException {
    Map<String, RewardModel> loaded = new LinkedHashMap<>();
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    Path c = tmp.resolve("c");
    Path d = tmp.resolve("d");
    RewardModel first = CliFile.prefixRewardModel(file(a, "afinn", true), a, loaded).orElseThrow();
    RewardModel second = CliFile.prefixRewardModel(file(b, "afinn", true), b, loaded).orElseThrow();
    RewardModel other = CliFile.prefixRewardModel(file(c, FlakyReward.class.getName(), true), c, loaded)
        .orElseThrow();
    assertThat(second).isSameAs(first);
    assertThat(other).isNotSameAs(first).isInstanceOf(FlakyReward.class);
    assertThat(loaded.values()).containsExactly(first, other);
    // Heads that read no reward load none, whatever the file names.
    assertThat(CliFile.prefixRewardModel(file(d, "afinn", false), d, loaded)).isEmpty();
    assertThat(CliFile.prefixRewardModel(Optional.empty(), d, loaded)).isEmpty();
    assertThat(loaded).hasSize(2);
    // Unshared, each call loads its own.
    assertThat(CliFile.prefixRewardModel(file(a, "afinn", true), a).orElseThrow()).isNotSameAs(first);
  }
}
