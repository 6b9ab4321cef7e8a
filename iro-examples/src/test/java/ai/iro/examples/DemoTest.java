package ai.iro.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.examples.eval.EvaluationReport;
import ai.iro.examples.eval.MethodResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shortened demo on the shipped model: IRO must improve on the base model, iteration over iteration. */
class DemoTest {
  @Test
  void shortenedDemoImprovesTheReward(@TempDir Path out) throws IOException {
    EvaluationReport report = Demo.run(Demo.Settings.quick(ShippedModel.directory(), out));
    System.out.print(report.table());
    List<MethodResult> iro = report.iro();
    assertThat(iro).hasSize(3);
    MethodResult last = iro.get(iro.size() - 1);
    assertThat(last.meanReward()).as("IRO after the last iteration vs the base sample")
        .isGreaterThan(report.base().meanReward());
    assertThat(last.meanReward()).as("IRO after the last iteration vs after the first")
        .isGreaterThanOrEqualTo(iro.get(0).meanReward());
    assertThat(last.winRate()).as("win rate against the base sample").isGreaterThan(0.5);
    assertThat(report.bestOfN().tokensSampled()).as("same budget: 16 samples per prompt")
        .isGreaterThan(10 * report.base().tokensSampled());
    assertThat(out.resolve("demo-results.json")).isRegularFile();
    assertThat(Files.size(out.resolve("demo-results.png"))).isPositive();
    assertThat(out.resolve("policy").resolve("manifest.json")).isRegularFile();
  }
}
