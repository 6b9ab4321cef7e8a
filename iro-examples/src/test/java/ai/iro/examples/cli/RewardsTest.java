package ai.iro.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.reward.RewardModel;
import ai.iro.examples.ShippedModel;
import ai.iro.examples.reward.AfinnReward;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three kinds of {@code --reward}. */
class RewardsTest {
  @Test
  void afinnByName() {
    assertThat(Rewards.parse("afinn", Optional.empty())).isInstanceOf(AfinnReward.class);
  }

  @Test
  void onnxRewardModelDirectory(@TempDir Path dir) throws Exception {
    Files.copy(Path.of("../iro-onnx/src/test/resources/fixtures/reward-single/model.onnx"), dir.resolve("model.onnx"));
    Files.copy(ShippedModel.directory().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    RewardModel reward = Rewards.parse(dir.toString(), Optional.empty());
    double[] scores = reward.score(List.of("And God said", "Blessed"), List.of(" let there be light", " are they"));
    assertThat(scores).hasSize(2);
    assertThat(Double.isFinite(scores[0]) && Double.isFinite(scores[1])).as("finite scores").isTrue();
    ((AutoCloseable) reward).close();
  }

  @Test
  void cliJsonKeepsAnOnnxRewardDirectoryAsAnAbsolutePath() {
    // The tests run in the module directory, so this relative path is a directory here only.
    String relative = "../iro-onnx/src/test/resources/fixtures/reward-single";
    assertThat(Rewards.recordable(relative)).isEqualTo(Path.of(relative).toAbsolutePath().normalize().toString());
    assertThat(Path.of(Rewards.recordable(relative))).isAbsolute();
    assertThat(Rewards.recordable("afinn")).isEqualTo("afinn");
    assertThat(Rewards.recordable(FlakyReward.class.getName())).isEqualTo(FlakyReward.class.getName());
  }

  @Test
  void directoryWithoutAModelIsExplained(@TempDir Path dir) {
    assertThatThrownBy(() -> Rewards.parse(dir.toString(), Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model.onnx").hasMessageContaining("tokenizer.json");
  }

  @Test
  void classNameMustBeARewardModel() {
    assertThat(Rewards.parse(FlakyReward.class.getName(), Optional.empty())).isInstanceOf(FlakyReward.class);
    assertThatThrownBy(() -> Rewards.parse("java.lang.String", Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not implement");
  }
}
