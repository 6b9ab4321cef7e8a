package ai.iro.examples.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.examples.ShippedModel;
import ai.iro.onnx.lm.HiddenFeatures;
import ai.iro.onnx.value.MlpValueTrainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny evaluation on the shipped model through the ONNX classifier task: two seeds, then the
 * second seed alone, which must give the same per-prompt rewards (deterministic per seed). Its
 * value recipe trains small heads briefly, which keeps the test short and exercises the hook.
 */
class EvaluationTest {
  private static final ValueRecipe BRIEF = new ValueRecipe("brief-test", f -> MlpValueTrainer.builder()
      .features(f).hiddenSizes(16).epochs(2).minStepsPerEpoch(5).build(), b -> b);

  private static EvalSettings.Builder tiny(Path out) {
    return EvalSettings.builder().modelDirectory(ShippedModel.directory()).outputDirectory(out)
        .tasks(List.of(Tasks.CLASSIFIER)).promptsPerIteration(8).iterations(2).evaluationPrompts(8).maxNewTokens(8)
        .recipe(BRIEF).bootstrapResamples(200);
  }

  @Test
  void runsEveryMethodPerSeedWritesTheReportAndRepeatsASeedExactly(@TempDir Path tmp) throws IOException {
    EvalReport two = Evaluation.run(tiny(tmp.resolve("two")).seeds(2).build());
    TaskResult task = two.task(Tasks.CLASSIFIER).orElseThrow();
    assertThat(task.methods()).extracting(MethodSummary::method).containsExactly(Evaluation.BASE,
        Evaluation.BEST_OF_4, Evaluation.BEST_OF_16, Evaluation.ONE_SHOT, Evaluation.iro(1), Evaluation.iro(2),
        Evaluation.iroSmall(2), Evaluation.iroNarrow(2));
    assertThat(task.seeds()).extracting(SeedRun::seed).containsExactly(42L, 43L);
    for (SeedRun run : task.seeds()) {
      assertThat(run.method(Evaluation.BASE).tokensSampled()).as("one sample of at most 8 tokens per prompt")
          .isBetween(1L, 8L * 8);
      assertThat(run.method(Evaluation.BEST_OF_16).tokensSampled()).isGreaterThan(8 * run.method(Evaluation.BASE)
          .tokensSampled()).isLessThanOrEqualTo(16L * 8 * 8);
      assertThat(run.method(Evaluation.iroSmall(2)).tokensSampled()).isLessThanOrEqualTo(4L * 8 * 8);
      assertThat(run.method(Evaluation.iroNarrow(2)).tokensSampled()).isLessThanOrEqualTo(4L * 8 * 8);
      assertThat(run.iterations()).hasSize(2).allSatisfy(it -> assertThat(it.trainingShare()).isBetween(0.0, 1.0));
      assertThat(run.iterations()).allSatisfy(it -> assertThat(it.trainingMillis()).isLessThanOrEqualTo(it.wallMillis()));
    }
    assertThat(task.seeds().get(0).method(Evaluation.BEST_OF_16).rewards())
        .as("seeds change the sampling").isNotEqualTo(task.seeds().get(1).method(Evaluation.BEST_OF_16).rewards());
    assertThat(two.trainer()).as("the recipe's trainer describes itself").contains("hiddenSizes=[16]");
    assertThat(tmp.resolve("two").resolve(EvalReport.JSON_FILE)).isRegularFile();
    assertThat(Files.size(tmp.resolve("two").resolve(EvalReport.CHART_FILE))).isPositive();

    EvalReport again = Evaluation.run(tiny(tmp.resolve("again")).firstSeed(43).seeds(1).build());
    SeedRun repeated = again.task(Tasks.CLASSIFIER).orElseThrow().seeds().get(0);
    for (String method : List.of(Evaluation.BASE, Evaluation.BEST_OF_16, Evaluation.ONE_SHOT, Evaluation.iro(2),
        Evaluation.iroSmall(2), Evaluation.iroNarrow(2))) {
      assertThat(repeated.method(method).rewards()).as(method)
          .containsExactly(task.seeds().get(1).method(method).rewards());
    }
  }

  @Test
  void aRecipeOnPooledFeaturesLoadsTheModelWithThem(@TempDir Path tmp) throws IOException {
    ValueRecipe pooled = new ValueRecipe("brief-pooled", BRIEF.trainer(), b -> b, HiddenFeatures.LAST_AND_MEAN, false);
    EvalReport report = Evaluation.run(tiny(tmp).recipe(pooled).seeds(1).build());
    assertThat(report.trainer()).as("the heads read the last and mean hidden state").contains(":last_and_mean_hidden_state:");
    assertThat(report.task(Tasks.CLASSIFIER).orElseThrow().method(Evaluation.iro(2))).isPresent();
  }
}
