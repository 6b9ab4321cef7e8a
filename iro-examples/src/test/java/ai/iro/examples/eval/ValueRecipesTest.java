package ai.iro.examples.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.Aligner;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.resample.Resamplers;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.testing.ScriptedModel;
import ai.iro.core.value.TrainedValue;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the recipes change in an aligner, read back from the aligner they build. */
class ValueRecipesTest {
  private static Aligner apply(ValueRecipe recipe) {
    Aligner.Builder b = Aligner.builder().baseModel(new ScriptedModel()).reward(RewardModel.of("r", (p, r) -> 0.0))
        .valueTrainer((examples, seed) -> new TrainedValue(states -> new double[states.size()], 0.0));
    return recipe.aligner().apply(b).build();
  }

  @Test
  void theSmcRecipeSamplesTrainingAnswersByStandardisedSystematicResamplingAndSearchesAsTheDefault() {
    Aligner smc = apply(ValueRecipes.SMC);
    Aligner plain = apply(ValueRecipes.WEIGHTED);
    assertThat(smc.trainingSearcher().resampler())
        .isEqualTo(Resamplers.standardized(Resamplers.systematic(0.5)));
    assertThat(smc.searcher().toString()).as("the policy's search").isEqualTo(plain.searcher().toString())
        .contains("diversity-first");
    assertThat(plain.trainingSearcher()).isSameAs(plain.searcher());
    assertThat(ValueRecipes.named("weighted-smc")).isSameAs(ValueRecipes.SMC);
  }

  @Test
  void theExactSmcRecipeResamplesOnIncrementsAndSearchesAsTheDefault() {
    Aligner smc = apply(ValueRecipes.SMC_EXACT);
    assertThat(smc.trainingSearcher().resampler()).isEqualTo(Resamplers.incremental(Resamplers.systematic(1.0)));
    assertThat(smc.trainingSearcher().resampler().weighsIncrements()).isTrue();
    assertThat(smc.searcher().toString()).isEqualTo(apply(ValueRecipes.WEIGHTED).searcher().toString());
    assertThat(ValueRecipes.named("weighted-smc-exact")).isSameAs(ValueRecipes.SMC_EXACT);
  }

  @Test
  void theStandardisedSmcRecipeStandardisesIncrementsAndSearchesAsTheDefault() {
    Aligner smc = apply(ValueRecipes.SMC_STANDARDIZED);
    assertThat(smc.trainingSearcher().resampler())
        .isEqualTo(Resamplers.standardized(Resamplers.incremental(Resamplers.systematic(1.0))));
    assertThat(smc.trainingSearcher().resampler().weighsIncrements()).isTrue();
    assertThat(smc.searcher().toString()).isEqualTo(apply(ValueRecipes.WEIGHTED).searcher().toString());
    assertThat(ValueRecipes.named("weighted-smc-standardized")).isSameAs(ValueRecipes.SMC_STANDARDIZED);
  }

  @Test
  void theAllRecipeTrainsOnEveryCandidateWithEqualWeightsWhereTheDefaultTilts() {
    assertThat(trainingWeights(ValueRecipes.ALL_CANDIDATES)).as("all").hasSize(16).containsOnly(1.0);
    List<Double> tilted = trainingWeights(ValueRecipes.WEIGHTED);
    assertThat(tilted).as("weighted").hasSize(16);
    assertThat(tilted.stream().distinct().count()).as("distinct weighted weights").isGreaterThan(1);
    assertThat(ValueRecipes.named("all")).isSameAs(ValueRecipes.ALL_CANDIDATES);
    Aligner all = apply(ValueRecipes.ALL_CANDIDATES);
    assertThat(all.trainingSearcher()).as("all samples as the policy searches").isSameAs(all.searcher());
    assertThat(ValueRecipes.named("all-smc-standardized")).isSameAs(ValueRecipes.ALL_SMC_STANDARDIZED);
    assertThat(trainingWeights(ValueRecipes.ALL_SMC_STANDARDIZED)).as("all-smc-standardized").hasSize(16)
        .containsOnly(1.0);
    assertThat(apply(ValueRecipes.ALL_SMC_STANDARDIZED).trainingSearcher().resampler())
        .isEqualTo(apply(ValueRecipes.SMC_STANDARDIZED).trainingSearcher().resampler());
  }

  /** The weights of the first iteration's examples, one prompt, a reward that tells every answer apart. */
  private static List<Double> trainingWeights(ValueRecipe recipe) {
    List<Double> weights = new ArrayList<>();
    Aligner.Builder b = Aligner.builder().baseModel(new ScriptedModel())
        .reward(RewardModel.of("r", (p, r) -> (double) r.hashCode())).iterations(1).seed(7)
        .valueTrainer((examples, seed) -> {
          examples.forEach(e -> weights.add(e.weight()));
          return new TrainedValue(states -> new double[states.size()], 0.0);
        });
    recipe.aligner().apply(b).build().align(PromptDataset.of(List.of("p")));
    return weights;
  }
}
