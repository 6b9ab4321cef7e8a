package ai.iro.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.iro.core.internal.CrashPoints;
import ai.iro.core.internal.PolicyDirectory;
import ai.iro.core.internal.PolicyManifest;
import ai.iro.core.testing.DirectorySnapshot;
import ai.iro.examples.ShippedModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code iro align} in a child JVM, killed with SIGKILL inside every checkpoint-write window and at
 * random times, then resumed: the policy must be byte for byte the one of a run never killed (the
 * manifest apart from wall times, every value file, cli.json), {@code iro generate} must answer the
 * same, and no temporary file may survive the resume.
 *
 * <p>Where it kills is deterministic: the child runs with the {@link CrashPoints} test hook naming
 * a write step, prints a line and blocks there, and the test kills it then ({@link
 * Process#destroyForcibly()} is SIGKILL on Linux and macOS). The random kills add points the hook
 * does not name (in sampling, in training), from a seeded generator.
 */
class CrashSafetyTest {
  private static final long STEP_TIMEOUT_SECONDS = 240;
  private static final List<String> PROMPTS = List.of("And God said", "Blessed are they", "In the beginning",
      "The LORD is my");

  @TempDir
  static Path tmp;
  private static Path prompts;
  private static Path reference;
  private static long referenceMillis;

  @BeforeAll
  static void referenceRunNeverKilled() throws Exception {
    prompts = tmp.resolve("prompts.jsonl");
    Files.write(prompts, PROMPTS.stream().map(p -> "{\"prompt\": \"" + p + "\"}").toList());
    reference = tmp.resolve("reference");
    long start = System.nanoTime();
    Child child = Child.start(reference, null, tmp.resolve("reference.log"));
    assertThat(child.waitForExit()).as(child.log()).isZero();
    referenceMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(PolicyDirectory.readManifest(reference).orElseThrow().entries()).hasSize(2);
  }

  @Test
  void killedInEveryWriteWindowThenResumedGivesTheSamePolicy() throws Exception {
    Path out = tmp.resolve("killed-at-steps");
    // One kill per step; each run resumes what the one before left, then is killed at the next step.
    kill(out, "written:cli.json", List.of(".cli.json-*.tmp"), 0);
    kill(out, "value-written:value-1", List.of(".value-1-*"), 0);
    kill(out, "value-renamed:value-1", List.of(), 0);
    assertThat(out.resolve("value-1")).as("renamed in, not yet named by a manifest").isDirectory();
    kill(out, "written:manifest.json", List.of(".manifest.json-*.tmp"), 0);
    kill(out, "value-written:value-2", List.of(".value-2-*"), 1);
    kill(out, "value-renamed:value-2", List.of(), 1);
    assertThat(out.resolve("value-2")).isDirectory();
    kill(out, "written:manifest.json", List.of(".manifest.json-*.tmp"), 1);
    kill(out, "renamed:manifest.json", List.of(), 2);

    Child last = Child.start(out, null, tmp.resolve("killed-at-steps-final.log"));
    assertThat(last.waitForExit()).as(last.log()).isZero();
    assertThat(last.log()).contains("resuming after 2 completed iteration(s)");
    assertSamePolicyAsReference(out);
  }

  @Test
  void killedAtRandomTimesThenResumedGivesTheSamePolicy() throws Exception {
    Random random = new Random(20260101L);
    // The first kill falls anywhere in the run; the second after iteration 1 ended, so in iteration 2.
    for (String after : List.of("", "iteration 1:")) {
      Path out = tmp.resolve("killed-at-random-" + (after.isEmpty() ? "anywhere" : "in-iteration-2"));
      Child child = Child.start(out, null, tmp.resolve(out.getFileName() + ".log"));
      if (!after.isEmpty()) {
        child.awaitLine(after);
      }
      long delay = (long) (referenceMillis * (after.isEmpty() ? 0.3 + 0.6 * random.nextDouble() : 0.4 * random.nextDouble()));
      boolean finished = child.process.waitFor(delay, TimeUnit.MILLISECONDS);
      if (!finished) {
        child.process.destroyForcibly().waitFor();
      }
      Child resumed = Child.start(out, null, tmp.resolve(out.getFileName() + "-resumed.log"));
      assertThat(resumed.waitForExit()).as(resumed.log()).isZero();
      System.out.printf("killed %d ms after %s (a whole run takes %d ms)%s, then %s%n", delay,
          after.isEmpty() ? "the start" : "\"" + after + "\"", referenceMillis, finished ? " [it had finished]" : "",
          resumed.log().lines().filter(l -> l.startsWith("resuming")).findFirst().orElse("started afresh"));
      assertSamePolicyAsReference(out);
    }
  }

  /** Runs align on {@code out} until the hook pauses it at {@code step}, kills it, and checks what it left. */
  private static void kill(Path out, String step, List<String> leftovers, int committed) throws Exception {
    Child child = Child.start(out, step, tmp.resolve(out.getFileName() + "-" + step.replace(':', '_') + ".log"));
    child.awaitPause(step);
    child.process.destroyForcibly();
    assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(child.process.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
    assertThat(hidden(out)).as("after a kill at %s, only that step's temporaries (earlier ones were cleaned)", step)
        .hasSameSizeAs(leftovers)
        .allSatisfy(name -> assertThat(leftovers.stream().anyMatch(glob -> matches(glob, name))).as(name).isTrue());
    int entries = PolicyDirectory.readManifest(out).map(m -> m.entries().size()).orElse(0);
    assertThat(entries).as("iterations committed after a kill at %s", step).isEqualTo(committed);
  }

  private static boolean matches(String glob, String name) {
    return name.matches(glob.replace(".", "\\.").replace("*", "[0-9]+"));
  }

  private static List<String> hidden(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).sorted().toList();
    }
  }

  private static void assertSamePolicyAsReference(Path out) throws IOException {
    assertThat(hidden(out)).as("no temporaries survive the resume").isEmpty();
    Map<String, String> expected = DirectorySnapshot.of(reference, PolicyManifest.FILE_NAME, CrashSafetyTest::withoutWallTimes);
    Map<String, String> actual = DirectorySnapshot.of(out, PolicyManifest.FILE_NAME, CrashSafetyTest::withoutWallTimes);
    assertThat(actual).as("every file, by SHA-256 (manifest without wall times)").isEqualTo(expected);
    for (String prompt : List.of("And God said", "Blessed are they")) {
      for (List<String> pick : List.of(List.<String>of(), List.of("--value-pick"))) {
        assertThat(generate(out, prompt, pick)).as("generate %s %s", prompt, pick).isEqualTo(generate(reference, prompt, pick));
      }
    }
  }

  private static String generate(Path policy, String prompt, List<String> extra) {
    List<String> args = new ArrayList<>(List.of("generate", "--policy", policy.toString(), "--prompt", prompt));
    args.addAll(extra);
    CliRun run = CliRun.of(args.toArray(String[]::new));
    assertThat(run.code()).as(run.toString()).isZero();
    return run.out();
  }

  private static String withoutWallTimes(String manifest) {
    return manifest.replaceAll("\"wallTimeMillis\" : [0-9]+", "\"wallTimeMillis\" : 0");
  }

  /** {@code iro align} with tiny settings in a child JVM, its output in a log file. */
  private static final class Child {
    final Process process;
    final Path log;

    private Child(Process process, Path log) {
      this.process = process;
      this.log = log;
    }

    static Child start(Path out, String pauseAt, Path log) throws IOException {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", classpath));
      if (pauseAt != null) {
        command.add("-D" + CrashPoints.PROPERTY + "=" + pauseAt);
      }
      command.addAll(List.of(IroCommand.class.getName(), "align", "--model", ShippedModel.directory().toString(),
          "--prompts", prompts.toString(), "--reward", "afinn", "--out", out.toString(), "--iterations", "2",
          "-W", "2", "-K", "2", "-L", "4", "--samples", "2", "--max-new-tokens", "8", "--seed", "11"));
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().put("CLASSPATH", "");
      return new Child(pb.start(), log);
    }

    int waitForExit() throws InterruptedException {
      if (!process.waitFor(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail("align did not finish in " + STEP_TIMEOUT_SECONDS + " s: " + log());
      }
      return process.exitValue();
    }

    /** Waits until the child prints that it is paused at {@code step}; fails if it ends or times out first. */
    void awaitPause(String step) throws InterruptedException {
      awaitLine(CrashPoints.PAUSED + step);
    }

    /** Waits until the child prints {@code text}; fails if it ends or times out first. */
    void awaitLine(String text) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STEP_TIMEOUT_SECONDS);
      while (System.nanoTime() < deadline) {
        if (log().contains(text)) {
          return;
        }
        if (!process.isAlive()) {
          fail("align ended (exit " + process.exitValue() + ") before printing " + text + ": " + log());
        }
        Thread.sleep(20);
      }
      process.destroyForcibly();
      fail("align did not print " + text + " in " + STEP_TIMEOUT_SECONDS + " s: " + log());
    }

    String log() {
      try {
        // Latin-1 reads any bytes, even a character cut in half by the writer; the markers are ASCII.
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
      } catch (IOException e) {
        return "(cannot read " + log + ": " + e.getMessage() + ")";
      }
    }
  }
}
