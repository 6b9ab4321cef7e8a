package ai.iro.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code iro eval}'s options: bad values are usage errors naming the option, found before anything runs. */
class EvalCommandTest {
  @TempDir
  Path tmp;

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--tasks sentiment,poetry | --tasks: unknown task \"poetry\"",
      "--tasks sentiment,sentiment | --tasks: tasks repeat",
      "--seeds 0 | --seeds: seeds must be at least 1, found 0",
      "--value nonsense | --value: unknown value recipe \"nonsense\": expected one of [paper, weighted, weighted-1, all, soft, weighted-soft, weighted-warm, weighted-wide, weighted-residual, weighted-pooled, weighted-equal-betas, weighted-smc, weighted-smc-exact, weighted-smc-standardized, all-smc-standardized, weighted-prefix-reward]",
      "--eval-prompts 1 | --eval-prompts: evaluationPrompts must be at least 2, found 1",
      "--iterations 0 | --iterations: iterations must be at least 1, found 0",
      "--prompts-per-iteration 0 | --prompts-per-iteration: promptsPerIteration must be at least 1, found 0",
      "--small-chunk-length 0 | --small-chunk-length: smallChunkLength must be at least 1, found 0",
      "--value weighted-equal-betas --iterations 2 | --value weighted-equal-betas: the value recipe weighted-equal-betas is made for 3 iterations, found 2",
      "--keep-decoded-states -1 | --keep-decoded-states: keepDecodedStatesMiB must not be negative, found -1",
      "--model /no/such/dir | --model /no/such/dir: no such directory"})
  void badValuesAreUsageErrorsNamingTheOption(String arguments, String message) {
    StringWriter err = new StringWriter();
    String[] args = ("eval --out " + tmp.resolve("out") + " " + arguments).split(" ");
    int code = IroCommand.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
    assertThat(code).isEqualTo(IroCommand.EXIT_USAGE);
    assertThat(err.toString()).startsWith("iro: " + message);
    assertThat(tmp.resolve("out")).doesNotExist();
  }

  @Test
  void quickOptionsAreOverriddenByExplicitOnes() {
    EvalCommand c = new EvalCommand();
    new picocli.CommandLine(c).parseArgs("--quick", "--eval-prompts", "5", "--seeds", "2", "--tasks", "dense",
        "--out", tmp.toString());
    var s = c.settings();
    assertThat(s.evaluationPrompts()).isEqualTo(5);
    assertThat(s.promptsPerIteration()).isEqualTo(32);
    assertThat(s.seedValues()).containsExactly(42L, 43L);
    assertThat(s.tasks()).containsExactly("dense");
    assertThat(s.recipe().name()).isEqualTo("weighted");
    assertThat(s.smallChunkLength()).as("the chunk length unless given").isEqualTo(s.chunkLength()).isEqualTo(8);
    new picocli.CommandLine(c).parseArgs("--small-chunk-length", "4", "--out", tmp.toString());
    assertThat(c.settings().smallChunkLength()).isEqualTo(4);
    assertThat(c.settings().toBuilder().build().smallChunkLength()).as("kept by toBuilder").isEqualTo(4);
    assertThat(s.toBuilder().chunkLength(4).build().smallChunkLength()).as("unset, it follows L").isEqualTo(4);
    assertThat(s.keepDecodedStatesMiB()).as("none kept unless asked").isZero();
    new picocli.CommandLine(c).parseArgs("--keep-decoded-states", "256", "--out", tmp.toString());
    assertThat(c.settings().keepDecodedStatesMiB()).isEqualTo(256);
    assertThat(c.settings().toBuilder().build().keepDecodedStatesMiB()).as("kept by toBuilder").isEqualTo(256);
  }
}
