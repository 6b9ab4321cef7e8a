package ai.iro.examples.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.iro.core.reward.RewardModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Summaries, differences and outputs of made-up runs whose numbers are worked out by hand. */
class EvalReportTest {
  private static final double EXACT = 1e-12;
  private static final List<String> METHODS = List.of(Evaluation.BASE, Evaluation.BEST_OF_4, Evaluation.BEST_OF_16,
      Evaluation.ONE_SHOT, Evaluation.iro(1), Evaluation.iro(2), Evaluation.iroSmall(2));

  /** Method m's reward on prompt i at seed offset s: m + i + s / 2 for IRO-2, m + i otherwise. */
  private static SeedRun run(long seed, int offset) {
    List<MethodResult> methods = new ArrayList<>();
    for (int m = 0; m < METHODS.size(); m++) {
      double[] r = new double[4];
      for (int i = 0; i < r.length; i++) {
        r[i] = m + i + (METHODS.get(m).equals(Evaluation.iro(2)) ? offset / 2.0 : 0);
      }
      methods.add(new MethodResult(METHODS.get(m), Statistics.mean(r), 0.5, 16L * 4 * (m + 1),
          Duration.ofSeconds(m + offset), r, java.util.Arrays.stream(r).map(x -> x - 1).toArray()));
    }
    List<IterationTiming> iterations = List.of(new IterationTiming(1, 1000, 100, 0.1, 0.2, 10),
        new IterationTiming(2, 1000, 300 + 100 * offset, 0.3 + 0.1 * offset, 0.4, 12));
    return new SeedRun(seed, methods, iterations, 2000, 500);
  }

  private static TaskResult task() {
    Task task = new Task("made-up", RewardModel.of("zero", (p, r) -> 0), "made up");
    return TaskResult.of(task, List.of(run(42, 0), run(43, 2)), new Bootstrap(500, 0.95, 1));
  }

  @Test
  void summarisesEachMethodOverSeedsAndPrompts() {
    TaskResult t = task();
    assertThat(t.methods()).extracting(MethodSummary::method).containsExactlyElementsOf(METHODS);
    MethodSummary iro2 = t.method(Evaluation.iro(2)).orElseThrow();
    // prompts 0..3 give 5 + i at seed 42 and 6 + i at seed 43: averaged 5.5 + i, mean 7
    assertThat(iro2.mean().estimate()).isCloseTo(7, within(EXACT));
    assertThat(iro2.seedMeans()).containsExactly(6.5, 7.5);
    assertThat(iro2.tokensPerPrompt()).isCloseTo(16 * 6, within(EXACT));
    assertThat(iro2.wallSeconds()).isCloseTo(6, within(EXACT));
  }

  @Test
  void pairsEachIterationWithBestOf16WithTheOneBeforeAndTheLastWithTheOneShotValue() {
    TaskResult t = task();
    Difference vsBon = t.difference(Evaluation.iro(2), Evaluation.BEST_OF_16).orElseThrow();
    assertThat(vsBon.difference().estimate()).isCloseTo(3.5, within(EXACT));
    assertThat(vsBon.seedDifferences()).containsExactly(3.0, 4.0);
    assertThat(vsBon.positiveInEverySeed()).isTrue();
    Difference vsPrevious = t.difference(Evaluation.iro(2), Evaluation.iro(1)).orElseThrow();
    assertThat(vsPrevious.difference().estimate()).isCloseTo(1.5, within(EXACT));
    assertThat(t.difference(Evaluation.iro(2), Evaluation.ONE_SHOT).orElseThrow().difference().estimate())
        .isCloseTo(2.5, within(EXACT));
    assertThat(t.difference(Evaluation.iroSmall(2), Evaluation.BEST_OF_16).orElseThrow().seedDifferences())
        .containsExactly(4.0, 4.0);
    assertThat(t.difference(Evaluation.BASE, Evaluation.BEST_OF_16).orElseThrow().positiveInEverySeed()).isFalse();
    assertThat(t.difference(Evaluation.BEST_OF_16, Evaluation.BEST_OF_16)).isEmpty();
    assertThat(t.difference(Evaluation.iro(1), Evaluation.iro(0))).isEmpty();
  }

  private static EvalReport report(Path out) {
    return report(EvalSettings.quick().modelDirectory(out).outputDirectory(out).seeds(2).build());
  }

  private static EvalReport report(EvalSettings settings) {
    return new EvalReport(settings, "trainer{x}", List.of(task()), Duration.ofSeconds(3));
  }

  @Test
  void keptDecodedStatesAreInTheSettingsOnlyWhenSet(@TempDir Path out) throws IOException {
    report(out).writeJson(out.resolve("default.json"));
    EvalSettings keeping = EvalSettings.quick().modelDirectory(out).outputDirectory(out).seeds(2)
        .keepDecodedStatesMiB(256).build();
    report(keeping).writeJson(out.resolve("keeping.json"));
    ObjectMapper mapper = new ObjectMapper();
    // Absent by default, so that reports from before the setting read as the same settings.
    assertThat(mapper.readTree(out.resolve("default.json").toFile()).get("settings").has("keepDecodedStatesMiB"))
        .isFalse();
    assertThat(mapper.readTree(out.resolve("keeping.json").toFile()).get("settings").get("keepDecodedStatesMiB")
        .asInt()).isEqualTo(256);
  }

  @Test
  void markdownHasARowPerMethodWithIntervalsDifferencesAndTokens(@TempDir Path out) {
    String md = report(out).markdown();
    assertThat(md).contains("| task | method | mean [95% CI] | Δ vs best-of-16 [CI] | Δ vs previous iteration [CI] "
        + "| tokens/prompt |");
    assertThat(md.lines().filter(l -> l.startsWith("| made-up |"))).hasSize(METHODS.size());
    assertThat(md).contains("| made-up | IRO-2 | 7.000 [").contains("| +3.500 [").contains("| +1.500 [")
        .contains("| 96 |");
    assertThat(md).contains("made-up: IRO-2 − one-shot V 2.500 [").contains("per seed [2.000, 3.000]")
        .contains("head training share per iteration [0.100, 0.400]");
  }

  @Test
  void jsonHoldsSettingsRecipeSummariesAndEveryPromptsReward(@TempDir Path out) throws IOException {
    report(out).writeJson(out.resolve("r.json"));
    JsonNode json = new ObjectMapper().readTree(out.resolve("r.json").toFile());
    assertThat(json.get("settings").get("seeds")).hasSize(2);
    assertThat(json.get("valueRecipe").get("name").asText()).isEqualTo(ValueRecipes.DEFAULT.name());
    assertThat(json.get("valueRecipe").get("trainer").asText()).isEqualTo("trainer{x}");
    JsonNode task = json.get("tasks").get(0);
    assertThat(task.get("shape").asText()).isEqualTo("made up");
    assertThat(task.get("methods").get(5).get("mean").get("estimate").asDouble()).isCloseTo(7, within(EXACT));
    assertThat(task.get("differences").get(0).get("baseline").asText()).isEqualTo(Evaluation.BEST_OF_16);
    assertThat(task.get("headTrainingShare").get(1).asDouble()).isCloseTo(0.4, within(EXACT));
    JsonNode seed43 = task.get("seeds").get(1);
    assertThat(seed43.get("seed").asLong()).isEqualTo(43);
    assertThat(seed43.get("iterations").get(1).get("trainingMillis").asLong()).isEqualTo(500);
    assertThat(seed43.get("methods").get(5).get("rewards")).hasSize(4);
    assertThat(seed43.get("methods").get(5).get("rewards").get(3).asDouble()).isEqualTo(9.0);
    assertThat(seed43.get("methods").get(5).get("meanFinalRewards").get(3).asDouble()).isEqualTo(8.0);
  }

  @Test
  void chartHasAPanelPerTask(@TempDir Path out) throws IOException {
    report(out).writeChart(out.resolve("r.png"));
    BufferedImage png = ImageIO.read(out.resolve("r.png").toFile());
    assertThat(png.getWidth()).isEqualTo(EvalChart.WIDTH);
    assertThat(png.getHeight()).isEqualTo(80 + EvalChart.PANEL_HEIGHT);
  }
}
