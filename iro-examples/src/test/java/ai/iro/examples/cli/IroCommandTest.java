package ai.iro.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/** Wrong arguments give a short message and a non-zero exit code, never a stack trace. */
class IroCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return IroCommand.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  @Test
  void noCommandIsAUsageError() {
    assertThat(run()).isEqualTo(2);
    assertThat(err.toString()).contains("missing command").doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertThat(run("align", "--model", "m", "--prompts", "p", "--reward", "afinn", "--out", "o", "--bogus")).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown option: '--bogus'").contains("Try 'iro align --help'")
        .doesNotContain("\tat ");
    assertThat(err.toString().lines().count()).as("a short message, not the whole usage").isLessThanOrEqualTo(3);
  }

  @Test
  void missingRequiredOptionsAreNamed() {
    assertThat(run("align", "--model", "m")).isEqualTo(2);
    assertThat(err.toString()).contains("--prompts").contains("--reward").contains("--out");
  }

  @Test
  void missingFileIsAUsageErrorInOneLine() {
    assertThat(run("align", "--model", "nowhere", "--prompts", "missing.jsonl", "--reward", "afinn", "--out", "x"))
        .isEqualTo(2);
    assertThat(err.toString().lines().findFirst()).hasValue("iro: --prompts missing.jsonl: no such file");
  }

  @Test
  void unknownRewardClassIsExplained(@TempDir Path policy) {
    assertThat(run("generate", "--policy", policy.toString(), "--prompt", "x", "--model", policy.toString(),
        "--reward", "com.example.Nope")).isEqualTo(2);
    assertThat(err.toString()).startsWith("iro: --reward com.example.Nope: ").doesNotContain("\tat ");
  }

  @Test
  void badDeviceIsExplained() {
    assertThat(run("align", "--model", "m", "--prompts", "p.jsonl", "--reward", "afinn", "--out", "o", "--device", "tpu"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--device: unknown device 'tpu'");
  }

  @Test
  void helpListsTheCommands() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("demo").contains("align").contains("generate").contains("serve");
  }

  /**
   * Picocli reads every description as a format string; a bare {@code %} (as in "95% CI") makes it
   * print a warning on standard error and show the raw text. Every description must format.
   */
  @Test
  void everyHelpTextIsAValidFormatString() {
    List<String> texts = new ArrayList<>();
    collectDescriptions(new CommandLine(new IroCommand()).getCommandSpec(), texts);
    assertThat(texts).as("descriptions found").hasSizeGreaterThan(50);
    for (String text : texts) {
      assertThat(formats(text)).as("picocli can format: %s", text).isTrue();
    }
  }

  private static void collectDescriptions(CommandSpec spec, List<String> texts) {
    texts.addAll(List.of(spec.usageMessage().description()));
    texts.addAll(List.of(spec.usageMessage().footer()));
    texts.addAll(spec.usageMessage().exitCodeList().values());
    texts.addAll(List.of(spec.usageMessage().header()));
    texts.addAll(List.of(spec.usageMessage().headerHeading(), spec.usageMessage().synopsisHeading(),
        spec.usageMessage().descriptionHeading(), spec.usageMessage().parameterListHeading(),
        spec.usageMessage().optionListHeading(), spec.usageMessage().commandListHeading(),
        spec.usageMessage().exitCodeListHeading(), spec.usageMessage().footerHeading()));
    for (ArgSpec arg : spec.args()) {
      texts.addAll(List.of(arg.description()));
    }
    for (CommandLine sub : spec.subcommands().values()) {
      collectDescriptions(sub.getCommandSpec(), texts);
    }
  }

  private static boolean formats(String text) {
    try {
      String.format(text);
      return true;
    } catch (java.util.IllegalFormatException e) {
      return false;
    }
  }
}
