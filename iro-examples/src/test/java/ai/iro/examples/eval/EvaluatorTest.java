package ai.iro.examples.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Sampling;
import ai.iro.core.search.Searcher;
import ai.iro.core.testing.TabularProblem;
import ai.iro.core.value.ValueStack;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorTest {
  private static final Sampling PLAIN = Sampling.builder().temperature(1).topK(0).topP(1)
      .maxNewTokens(TabularProblem.HORIZON).build();

  private final TabularProblem problem = new TabularProblem(4);

  private Evaluator evaluator() {
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      prompts.add("p" + i);
    }
    return new Evaluator(problem.model(), problem.rewardModel(), prompts, 50, 9);
  }

  @Test
  void bestOfNBeatsTheBaseSampleAndCountsTokens() {
    Evaluator e = evaluator();
    MethodResult base = e.base("base", Searcher.bestOfN(1, PLAIN));
    MethodResult bon = e.method("best-of-4", Searcher.bestOfN(4, PLAIN), ValueStack.empty(), true);
    assertThat(base.winRate()).isEqualTo(0.5);
    assertThat(base.tokensSampled()).isEqualTo(400L * TabularProblem.HORIZON);
    assertThat(bon.tokensSampled()).isEqualTo(4 * 400L * TabularProblem.HORIZON);
    assertThat(bon.meanReward()).isGreaterThan(base.meanReward());
    assertThat(bon.winRate()).isGreaterThan(0.5).isLessThanOrEqualTo(1.0);
  }

  @Test
  void theMeanFinalRewardIsTheMeanOfEverySampleNotThePick() {
    Evaluator e = evaluator();
    MethodResult base = e.base("base", Searcher.bestOfN(1, PLAIN));
    assertThat(base.meanFinalRewards()).as("one sample: the answer's reward").containsExactly(base.rewards());
    MethodResult bon = e.method("best-of-4", Searcher.bestOfN(4, PLAIN), ValueStack.empty(), true);
    double[] picked = bon.rewards();
    double[] means = bon.meanFinalRewards();
    double average = 0;
    for (int i = 0; i < picked.length; i++) {
      assertThat(means[i]).as("prompt %s: the mean of four samples is at most their best", i)
          .isLessThanOrEqualTo(picked[i] + 1e-12);
      average += means[i] / picked.length;
    }
    double exact = problem.expectedReward(ValueStack.empty());
    assertThat(average).as("1,600 base samples average to the base model's exact expected reward %s", exact)
        .isCloseTo(exact, org.assertj.core.api.Assertions.within(0.03));
    assertThat(bon.meanReward()).as("while the pick is better").isGreaterThan(exact + 0.05);
    MethodResult unpicked = e.method("four, picked by value", Searcher.bestOfN(4, PLAIN), ValueStack.empty(), false);
    assertThat(unpicked.meanFinalRewards()).as("the same samples, scored by the evaluator when the search did not")
        .containsExactly(means);
  }

  @Test
  void aResultNeedsOneMeanFinalRewardPerPrompt() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new MethodResult("m", 0, 0, 0, java.time.Duration.ZERO,
        new double[2], new double[3])).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 rewards but 3 mean final rewards");
  }

  @Test
  void guidanceTowardTheRewardRaisesIt() {
    Evaluator e = evaluator();
    MethodResult base = e.base("base", Searcher.bestOfN(1, PLAIN));
    Map<String, Double> exact = new java.util.HashMap<>();
    for (String y : TabularProblem.responses()) {
      exact.put(y, problem.reward(y));
    }
    ValueStack oracle = ValueStack.empty().with(states -> states.states().stream()
        .mapToDouble(s -> exact.getOrDefault(s.responseText(), 0.0)).toArray(), 0.1);
    MethodResult guided = e.method("oracle-guided", Searcher.tokenLevel(3, PLAIN), oracle, false);
    assertThat(guided.meanReward()).isGreaterThan(base.meanReward());
  }

  @Test
  void methodsNeedTheBaseFirst() {
    assertThatThrownBy(() -> evaluator().method("x", Searcher.bestOfN(2, PLAIN), ValueStack.empty(), true))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("base");
  }

  @Test
  void reportWritesTableJsonAndChart(@TempDir Path tmp) throws IOException {
    Evaluator e = evaluator();
    MethodResult base = e.base("base", Searcher.bestOfN(1, PLAIN));
    MethodResult bon = e.method("best-of-4", Searcher.bestOfN(4, PLAIN), ValueStack.empty(), true);
    EvaluationReport report = new EvaluationReport(base, bon, List.of(), List.of(base, bon, bon));
    assertThat(report.table()).contains("method", "base", "best-of-4", "50.0%");
    assertThat(report.markdown()).startsWith("| method |").contains("| best-of-4 |");
    report.writeJson(tmp.resolve("r.json"));
    JsonNode json = new ObjectMapper().readTree(tmp.resolve("r.json").toFile());
    assertThat(json.get("methods")).hasSize(5);
    assertThat(json.get("methods").get(1).get("meanReward").asDouble()).isEqualTo(bon.meanReward());
    report.writeChart(tmp.resolve("r.png"));
    BufferedImage png = ImageIO.read(tmp.resolve("r.png").toFile());
    assertThat(png.getWidth()).isEqualTo(800);
    assertThat(png.getHeight()).isEqualTo(500);
  }
}
