package ai.iro.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.testing.DirectorySnapshot;
import ai.iro.core.testing.Fuzz;
import ai.iro.examples.ShippedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzed command lines: options present or absent, with valid, boundary, malformed and hostile
 * values, paths that exist, do not, or are of the wrong kind, and stray tokens. Every run must end
 * with exit code 0, 1 or 2, print errors as one line without a stack trace or an "internal error",
 * leave every file outside its {@code --out} unchanged, and, when refused (2), leave {@code --out}
 * unchanged too. Valid values are tiny, so that a command line that happens to be right runs fast.
 */
@Timeout(600)
class CommandLineFuzzTest {
  @TempDir
  static Path sandbox;
  private static Path prompts;
  private static Path policy;
  private static Path file;
  private static Path emptyDir;

  @BeforeAll
  static void sandboxWithAPolicy() throws IOException {
    prompts = sandbox.resolve("prompts.jsonl");
    Files.write(prompts, List.of("{\"prompt\": \"And God said\"}", "{\"prompt\": \"In the beginning\"}"));
    policy = sandbox.resolve("policy");
    CliRun run = CliRun.of("align", "--model", ShippedModel.directory().toString(), "--prompts", prompts.toString(),
        "--reward", "afinn", "--out", policy.toString(), "--iterations", "1", "-W", "2", "-K", "2", "-L", "2",
        "--samples", "2", "--max-new-tokens", "4");
    assertThat(run.code()).as(run.toString()).isZero();
    file = sandbox.resolve("a-file.txt");
    Files.writeString(file, "not a directory");
    emptyDir = Files.createDirectories(sandbox.resolve("empty"));
  }

  private static String pick(SplittableRandom r, String... values) {
    return values[r.nextInt(values.length)];
  }

  private static String number(SplittableRandom r, int validMax) {
    return r.nextInt(3) > 0 ? String.valueOf(1 + r.nextInt(validMax))
        : pick(r, "0", "-1", "2147483648", "99999999999", "1e3", "x", "", " 2", "NaN", "+1", "0x10", "٣");
  }

  private static String path(SplittableRandom r) {
    return pick(r, prompts.toString(), policy.toString(), file.toString(), emptyDir.toString(),
        sandbox.resolve("missing").toString(), ShippedModel.directory().toString(), "", ".", "\u0000", "/dev/null");
  }

  private static String junk(SplittableRandom r) {
    return pick(r, "--", "-", "-W", "--out", "@" + sandbox.resolve("no-args-file"), "--help", "-h", "--version",
        Fuzz.text(r, 1 + r.nextInt(8)), "--iterations=2", "-W2", "-WK", "--betas=", "--device=cuda:x");
  }

  /** A random command line; the out directory it names is {@code out}. */
  private static List<String> commandLine(SplittableRandom r, Path out) {
    List<String> args = new ArrayList<>();
    String command = pick(r, "align", "align", "align", "generate", "generate", "help", "bogus", "");
    if (!command.isEmpty()) {
      args.add(command);
    }
    if (command.equals("align")) {
      option(r, args, 0.9, "--model", () -> r.nextInt(3) > 0 ? ShippedModel.directory().toString() : path(r));
      option(r, args, 0.9, "--prompts", () -> r.nextInt(3) > 0 ? prompts.toString() : path(r));
      option(r, args, 0.9, "--reward", () -> pick(r, "afinn", "afinn", "com.example.Nope", "java.lang.String",
          FlakyReward.class.getName(), emptyDir.toString(), "", "[I"));
      option(r, args, 0.9, "--out", () -> r.nextInt(4) > 0 ? out.toString() : pick(r, policy.toString(),
          file.toString(), emptyDir.toString(), sandbox.toString()));
      option(r, args, 0.7, "--iterations", () -> number(r, 2));
      option(r, args, 0.7, "-W", () -> number(r, 2));
      option(r, args, 0.7, "-K", () -> number(r, 2));
      option(r, args, 0.7, "-L", () -> number(r, 4));
      option(r, args, 0.7, "--samples", () -> number(r, 2));
      option(r, args, 0.8, "--max-new-tokens", () -> r.nextInt(4) > 0 ? number(r, 4) : pick(r, "255", "256", "300"));
      option(r, args, 0.2, "--betas", () -> pick(r, "1", "1,2", "0", "-1,2", "1,,2", "Infinity", "1e-300,1", "a"));
      option(r, args, 0.2, "--reward-label", () -> number(r, 2));
      option(r, args, 0.2, "--seed", () -> pick(r, "0", "-5", "9223372036854775807", "9223372036854775808", "s"));
      option(r, args, 0.2, "--device", () -> pick(r, "cpu", "cuda", "cuda:0", "tpu", "cuda:-1", "CPU", ""));
      if (r.nextInt(5) == 0) {
        args.add("--reuse-prompts");
      }
    } else if (command.equals("generate")) {
      option(r, args, 0.9, "--policy", () -> r.nextInt(3) > 0 ? policy.toString() : path(r));
      option(r, args, 0.9, "--prompt", () -> pick(r, "And God said", "", " ", Fuzz.text(r, r.nextInt(30)),
          "word ".repeat(400)));
      option(r, args, 0.3, "--model", () -> path(r));
      option(r, args, 0.3, "--reward", () -> pick(r, "afinn", "com.example.Nope", emptyDir.toString()));
      option(r, args, 0.2, "--reward-label", () -> number(r, 2));
      option(r, args, 0.2, "--device", () -> pick(r, "cpu", "tpu", ""));
      if (r.nextInt(4) == 0) {
        args.add("--value-pick");
      }
    }
    for (int i = r.nextInt(5) == 0 ? 1 + r.nextInt(2) : 0; i > 0; i--) {
      args.add(r.nextInt(args.size() + 1), junk(r));
    }
    return args;
  }

  private static void option(SplittableRandom r, List<String> args, double p, String name,
      java.util.function.Supplier<String> value) {
    if (r.nextDouble() < p) {
      args.add(name);
      args.add(value.get());
    }
  }

  @Test
  void everyCommandLineEndsCleanly() {
    int[] counter = {0};
    int[] byCode = new int[3];
    Fuzz.forAll("iro command lines", 250, r -> commandLine(r, sandbox.resolve("out-" + counter[0]++)), args -> {
      Path out = outOf(args);
      Map<String, String> before = DirectorySnapshot.of(sandbox);
      Map<String, String> outBefore = DirectorySnapshot.of(out);
      CliRun run = CliRun.of(args.toArray(String[]::new));
      assertThat(run.code()).as(run.toString()).isBetween(0, 2);
      byCode[run.code()]++;
      assertThat(run.err()).as(run.toString()).doesNotContain("\tat ").doesNotContain("internal error");
      if (run.code() != 0) {
        assertThat(run.firstErrorLine()).as(run.toString()).startsWith("iro: ");
        assertThat(run.err().lines().count()).as(run.toString()).isLessThanOrEqualTo(2);
      }
      Map<String, String> after = DirectorySnapshot.of(sandbox);
      String prefix = sandbox.relativize(out.toAbsolutePath()) + java.io.File.separator;
      String outName = sandbox.relativize(out.toAbsolutePath()).toString();
      before.keySet().removeIf(k -> k.equals(outName) || k.startsWith(prefix));
      after.keySet().removeIf(k -> k.equals(outName) || k.startsWith(prefix));
      assertThat(after).as("nothing outside --out changed: %s", run).isEqualTo(before);
      if (run.code() == 2) {
        assertThat(DirectorySnapshot.of(out)).as("a refused run leaves --out as it was: %s", run).isEqualTo(outBefore);
      }
    });
    System.out.printf("iro command lines by exit code: 0: %d, 1: %d, 2: %d%n", byCode[0], byCode[1], byCode[2]);
  }

  /** The --out of an align command line (a path in the sandbox that no command writes, otherwise). */
  private static Path outOf(List<String> args) {
    int i = args.lastIndexOf("--out");
    if (args.contains("align") && i >= 0 && i + 1 < args.size()) {
      try {
        Path p = Path.of(args.get(i + 1)).toAbsolutePath();
        if (p.startsWith(sandbox) && !p.equals(sandbox)) {
          return p;
        }
      } catch (RuntimeException e) {
        // Not a path: nothing can be written there.
      }
    }
    return sandbox.resolve("no-out");
  }
}
