package ai.iro.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.testing.DirectorySnapshot;
import ai.iro.examples.ShippedModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exit-code table of {@code iro --help} and the README: 2 for every usage error, found before
 * anything is written; 1 for a run that fails; every message one line.
 */
class ExitCodesTest {
  @TempDir
  static Path shared;

  private static Path prompts() throws IOException {
    Path file = shared.resolve("prompts.jsonl");
    if (!Files.exists(file)) {
      Files.write(file, List.of("{\"prompt\": \"And God said\"}", "{\"prompt\": \"Blessed are they\"}",
          "{\"prompt\": \"In the beginning\"}", "{\"prompt\": \"The LORD is my\"}"));
    }
    return file;
  }

  /**
   * An align command line that is right, except for {@code extra}: option-value pairs that replace
   * the defaults (picocli refuses an option given twice), or a single option appended.
   */
  private static String[] align(Path out, String... extra) throws IOException {
    Map<String, String> options = new LinkedHashMap<>();
    String[] defaults = {"--model", ShippedModel.directory().toString(), "--prompts", prompts().toString(),
        "--reward", "afinn", "--out", out.toString(), "--iterations", "2", "-W", "2", "-K", "2", "-L", "2",
        "--samples", "2", "--max-new-tokens", "4"};
    for (int i = 0; i < defaults.length; i += 2) {
      options.put(defaults[i], defaults[i + 1]);
    }
    List<String> args = new ArrayList<>(List.of("align"));
    if (extra.length % 2 == 0) {
      for (int i = 0; i < extra.length; i += 2) {
        options.put(extra[i], extra[i + 1]);
      }
    } else {
      args.addAll(List.of(extra));
    }
    options.forEach((k, v) -> {
      args.add(k);
      args.add(v);
    });
    return args.toArray(String[]::new);
  }

  static Stream<Arguments> usageErrors() {
    return Stream.of(
        Arguments.of(List.of("--iterations", "0"), "--iterations: iterations (T) must be at least 1, found 0"),
        Arguments.of(List.of("-W", "0"), "-W: "),
        Arguments.of(List.of("-K", "-1"), "-K: "),
        Arguments.of(List.of("-L", "0"), "-L: "),
        Arguments.of(List.of("--samples", "0"), "--samples: initialSamples must be at least 1, found 0"),
        Arguments.of(List.of("--max-new-tokens", "0"), "--max-new-tokens: "),
        Arguments.of(List.of("--betas", "1,2,3"), "--betas: 3 betas for 2 iterations"),
        Arguments.of(List.of("--betas", "1,-2"), "--betas: beta 2 must be positive and finite, found -2.0"),
        Arguments.of(List.of("--betas", "1,NaN"), "--betas: beta 2 must be positive and finite, found NaN"),
        Arguments.of(List.of("--reweighting", "greedy"), "--reweighting: unknown selection 'greedy'"),
        Arguments.of(List.of("--reweighting", "weighted(temperature=0)"), "--reweighting: weighted temperature must be positive"),
        Arguments.of(List.of("--value-target", "td"), "--value-target: unknown value target 'td'"),
        Arguments.of(List.of("--training-resampler", "standardized(beam)"), "--training-resampler: unknown resampler 'beam'"),
        Arguments.of(List.of("--iterations", "x"), "Invalid value for option '--iterations'"),
        Arguments.of(List.of("--reward", "com.example.NoSuchReward"), "--reward com.example.NoSuchReward: expected afinn"),
        Arguments.of(List.of("--reward", "java.lang.String"), "does not implement ai.iro.core.reward.RewardModel"),
        Arguments.of(List.of("--reward-label", "1"), "--reward-label 1: only an ONNX reward-model directory has labels"),
        Arguments.of(List.of("--device", "tpu"), "--device: unknown device 'tpu'"),
        Arguments.of(List.of("--prompts", "no-such.jsonl"), "--prompts no-such.jsonl: no such file"),
        Arguments.of(List.of("--model", "no-such-model"), "--model no-such-model: no such directory"),
        Arguments.of(List.of("--max-new-tokens", "300"), "--max-new-tokens 300: the context of"),
        Arguments.of(List.of("--max-new-tokens", "255"), "prompt(s) leave no room for --max-new-tokens 255"),
        Arguments.of(List.of("--iterations", "5"), "4 prompts for 5 iterations"),
        Arguments.of(List.of("--bogus"), "Unknown option: '--bogus'"));
  }

  @Test
  void chatWithAModelThatHasNoChatTemplateIsAUsageError() throws IOException {
    Path out = shared.resolve("never-written-chat");
    List<String> args = new java.util.ArrayList<>(List.of(align(out)));
    args.add("--chat");
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertThat(run.code()).as(run.toString()).isEqualTo(2);
    assertThat(run.firstErrorLine()).startsWith("iro: --chat: ").contains("chat_template");
    assertThat(out).as("a refused run creates nothing").doesNotExist();
  }

  @ParameterizedTest
  @MethodSource("usageErrors")
  void usageErrorsExitWith2AndWriteNothing(List<String> extra, String message) throws IOException {
    Path out = shared.resolve("never-written");
    CliRun run = CliRun.of(align(out, extra.toArray(String[]::new)));
    assertThat(run.code()).as(run.toString()).isEqualTo(2);
    assertThat(run.firstErrorLine()).startsWith("iro: ").contains(message);
    assertThat(run.err()).contains("Try 'iro align --help'").doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(out).as("a refused run creates nothing").doesNotExist();
  }

  @Test
  void outNamingAFileSaysWhatIsExpected() throws IOException {
    Path file = shared.resolve("a-file");
    Files.writeString(file, "mine");
    CliRun run = CliRun.of(align(file));
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.firstErrorLine()).isEqualTo("iro: --out " + file + ": is a file; expected a directory for the policy "
        + "(a new or empty one, or the --out of an earlier run to resume it)");
    assertThat(Files.readString(file)).isEqualTo("mine");
  }

  @Test
  void outHoldingOtherFilesIsRefusedAndUntouched(@TempDir Path out) throws IOException {
    Files.writeString(out.resolve("thesis.tex"), "years of work");
    Files.createDirectories(out.resolve("value-1"));
    Map<String, String> before = DirectorySnapshot.of(out);
    CliRun run = CliRun.of(align(out));
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.firstErrorLine()).contains("holds thesis.tex, which iro align did not write");
    assertThat(DirectorySnapshot.of(out)).isEqualTo(before);
  }

  @Test
  void generateUsageErrors(@TempDir Path tmp) {
    String model = ShippedModel.directory().toString();
    Path missing = tmp.resolve("no-policy");
    CliRun run = CliRun.of("generate", "--policy", missing.toString(), "--prompt", "x");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.firstErrorLine()).isEqualTo("iro: --policy " + missing + ": no such directory");

    run = CliRun.of("generate", "--policy", tmp.toString(), "--prompt", "x");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.firstErrorLine()).contains("has no cli.json naming the model").contains("pass --model");

    run = CliRun.of("generate", "--policy", tmp.toString(), "--prompt", "", "--model", model);
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.firstErrorLine()).isEqualTo("iro: --prompt: the prompt is empty; give text to continue");

    run = CliRun.of("generate", "--policy", tmp.toString(), "--prompt", "x", "--value-pick", "--reward", "afinn");
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.firstErrorLine()).contains("--value-pick and --reward exclude each other");

    run = CliRun.of("generate", "--policy", tmp.toString(), "--prompt", "x", "--model", model, "--device", "tpu");
    assertThat(run.code()).isEqualTo(2);
  }

  @Test
  void failuresOfTheRunExitWith1InOneLine(@TempDir Path tmp) throws IOException {
    Path badJson = tmp.resolve("bad.jsonl");
    Files.write(badJson, List.of("{\"prompt\": \"ok\"}", "{\"prompt\": \"ok\", }"));
    CliRun run = CliRun.of(align(tmp.resolve("out"), "--prompts", badJson.toString()));
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err().strip()).as("one line with file, line and column")
        .isEqualTo("iro: " + badJson + ":2:18: not valid JSON: Unexpected character ('}' (code 125)): was expecting "
            + "double-quote to start field name");

    Path empty = tmp.resolve("empty.jsonl");
    Files.write(empty, List.of("{\"prompt\": \"ok\"}", "{\"prompt\": \"\"}"));
    run = CliRun.of(align(tmp.resolve("out"), "--prompts", empty.toString()));
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err().strip()).isEqualTo("iro: " + empty + ":2: the \"prompt\" is empty; every line needs text to continue");

    Path policy = Files.createDirectories(tmp.resolve("policy"));
    Files.writeString(policy.resolve("cli.json"), "{\"model\": \"" + ShippedModel.directory() + "\",\n \"device\": cpu}",
        StandardCharsets.UTF_8);
    run = CliRun.of("generate", "--policy", policy.toString(), "--prompt", "x");
    assertThat(run.code()).isEqualTo(1);
    assertThat(run.err().strip()).startsWith("iro: " + policy.resolve("cli.json") + ": not valid JSON: line 2, column ")
        .doesNotContain("\n").doesNotContain("Source");

    assertThat(tmp.resolve("out")).as("nothing written by the failed runs").doesNotExist();
  }

  @Test
  void helpDocumentsTheExitCodes() {
    CliRun run = CliRun.of("--help");
    assertThat(run.code()).isZero();
    assertThat(run.out()).contains("Exit codes:").contains("0   success").contains("1   the run failed")
        .contains("2   usage error");
  }
}
