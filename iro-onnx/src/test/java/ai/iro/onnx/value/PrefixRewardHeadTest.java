package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.value.ConcatenatedFeatures;
import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.PrefixRewardFeatures;
import ai.iro.core.value.SavableValueFunction;
import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueExample;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.lm.ShippedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Value heads on the model's hidden state next to the reward of the response so far: the features
 * a search state gets equal the training features of the same prefix, and heads load only against
 * the same model and reward.
 */
class PrefixRewardHeadTest {
  private static final RewardModel LETTER_E = RewardModel.of("letter-e",
      (prompt, response) -> response.chars().filter(c -> c == 'e').count());
  private static final RewardModel LETTER_A = RewardModel.of("letter-a",
      (prompt, response) -> response.chars().filter(c -> c == 'a').count());

  private static OnnxCausalLM lm;

  @TempDir
  Path tmp;

  @BeforeAll
  static void load() {
    lm = OnnxCausalLM.load(ShippedModel.directory());
  }

  @AfterAll
  static void close() {
    lm.close();
  }

  private static FeatureSource features(RewardModel reward) {
    return new ConcatenatedFeatures(List.of(lm.features(), new PrefixRewardFeatures(reward, lm::decode)));
  }

  @Test
  void aSearchStateReadsTheTrainingFeaturesOfItsPrefix() {
    FeatureSource source = features(LETTER_E);
    int width = lm.hiddenSize().orElseThrow();
    assertThat(source.dimension()).isEqualTo(width + 1);
    List<String> prompts = List.of("And the LORD spake unto Moses", "In the beginning");
    try (Decoding d = lm.open(prompts, Sampling.builder().maxNewTokens(20).build(), 11)) {
      for (int chunk = 0; chunk < 4; chunk++) {
        d.extend(5);
        float[][] hidden = d.features().orElseThrow();
        List<State> states = new ArrayList<>();
        List<ValueExample> examples = new ArrayList<>();
        for (int r = 0; r < d.size(); r++) {
          // As ChunkSearch builds its states: the decoding's prompt, tokens and features, text decoded by the model.
          states.add(State.lazy(d.prompt(r), d.responseTokens(r), lm::decode, java.util.Optional.of(hidden[r])));
          examples.add(new ValueExample(d.prompt(r), d.responseTokens(r), d.responseText(r), 0));
        }
        float[][] search = new StateBatch(states).features(source);
        List<float[][]> training = source.prefixFeatures(examples);
        for (int r = 0; r < d.size(); r++) {
          float[] last = training.get(r)[d.responseLength(r)];
          for (int k = 0; k < width; k++) {
            assertThat((double) search[r][k]).isCloseTo(last[k], org.assertj.core.data.Offset.offset(1e-4));
          }
          long es = d.responseText(r).chars().filter(c -> c == 'e').count();
          assertThat(search[r][width]).as("row %s: the reward of its text so far", r).isEqualTo(es)
              .isEqualTo(last[width]);
        }
      }
    }
  }

  @Test
  void headsLoadOnlyAgainstTheSameReward() throws Exception {
    FeatureSource e = features(LETTER_E);
    List<ValueExample> examples = List.of(
        new ValueExample("And God said", lm.encode(" let there be"), " let there be", 3),
        new ValueExample("And God said", lm.encode(" unto them"), " unto them", 0));
    SavableValueFunction head = (SavableValueFunction) MlpValueTrainer.builder().features(e).hiddenSizes(4).epochs(1)
        .build().train(examples, 5).function();
    Path dir = Files.createDirectories(tmp.resolve("head"));
    head.save(dir);
    assertThat(MlpValueHead.loader(features(LETTER_E)).load(dir)).isInstanceOf(MlpValueHead.class);
    FeatureSource a = features(LETTER_A);
    assertThatThrownBy(() -> MlpValueHead.loader(a).load(dir)).isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("prefix-reward:letter-e").hasMessageContaining("prefix-reward:letter-a");
  }
}
