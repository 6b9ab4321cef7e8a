package ai.iro.examples.eval;

import ai.iro.core.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link Evaluation#run} found: per task, every method's mean reward with a 95 % bootstrap
 * interval, the paired differences, tokens, wall times, and IRO's head-training share per
 * iteration; as a Markdown table, a JSON file and a chart. Immutable and thread safe.
 */
public final class EvalReport {
  /** The JSON file's name. */
  public static final String JSON_FILE = "eval-results.json";
  /** The chart's name. */
  public static final String CHART_FILE = "eval-results.png";
  /** The JSON format's version. */
  public static final int FORMAT_VERSION = 1;

  private final EvalSettings settings;
  private final String trainer;
  private final List<TaskResult> tasks;
  private final Duration wallTime;

  /**
   * @param settings what was run
   * @param trainer the value trainer's description
   * @param tasks each task's results, in order
   * @param wallTime the whole run's wall time
   */
  public EvalReport(EvalSettings settings, String trainer, List<TaskResult> tasks, Duration wallTime) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.trainer = Objects.requireNonNull(trainer, "trainer");
    this.tasks = List.copyOf(tasks);
    this.wallTime = Objects.requireNonNull(wallTime, "wallTime");
  }

  /** The settings. */
  public EvalSettings settings() {
    return settings;
  }

  /** The value trainer's description ({@code ValueTrainer.describe()}). */
  public String trainer() {
    return trainer;
  }

  /** Each task's results, in order. */
  public List<TaskResult> tasks() {
    return tasks;
  }

  /** The whole run's wall time. */
  public Duration wallTime() {
    return wallTime;
  }

  /** A task's results, if it was run. */
  public Optional<TaskResult> task(String name) {
    return tasks.stream().filter(t -> t.task().equals(name)).findFirst();
  }

  /**
   * The results as Markdown, ready for the README: a table of every task and method (mean reward
   * [95 % CI], the difference to Best-of-16 and to the previous IRO iteration [95 % paired CI],
   * tokens per prompt), then each task's IRO-T minus one-shot difference and head-training share.
   */
  public String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%d seeds (%s), %d held-out prompts, value recipe %s; "
        + "rewards averaged over seeds per prompt, 95%% percentile-bootstrap intervals over prompts%n%n",
        settings.seeds(), settings.seedValues(), settings.evaluationPrompts(), settings.recipe().name()));
    sb.append("| task | method | mean [95% CI] | Δ vs best-of-16 [CI] | Δ vs previous iteration [CI] | tokens/prompt |\n");
    sb.append("|---|---|---|---|---|---|\n");
    for (TaskResult t : tasks) {
      for (MethodSummary m : t.methods()) {
        String previous = previousIteration(m.method()).flatMap(p -> t.difference(m.method(), p))
            .map(EvalReport::format).orElse("");
        sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %.0f |%n", t.task(), m.method(),
            format(m.mean()), t.difference(m.method(), Evaluation.BEST_OF_16).map(EvalReport::format).orElse(""),
            previous, m.tokensPerPrompt()));
      }
    }
    sb.append('\n');
    int last = settings.iterations();
    for (TaskResult t : tasks) {
      t.difference(Evaluation.iro(last), Evaluation.ONE_SHOT).ifPresent(d -> sb.append(String.format(Locale.ROOT,
          "%s: %s − %s %s, per seed %s; head training share per iteration %s%n", t.task(), d.method(), d.baseline(),
          format(d.difference()), rounded(d.seedDifferences()), rounded(trainingShares(t)))));
    }
    return sb.toString();
  }

  /** Each IRO iteration's head-training share of its wall time, averaged over seeds. */
  static List<Double> trainingShares(TaskResult t) {
    int iterations = t.seeds().get(0).iterations().size();
    return java.util.stream.IntStream.range(0, iterations).mapToObj(i -> t.seeds().stream()
        .mapToDouble(r -> r.iterations().get(i).trainingShare()).average().orElseThrow()).toList();
  }

  private static Optional<String> previousIteration(String method) {
    if (method.startsWith("IRO-") && !method.contains("@")) {
      int t = Integer.parseInt(method.substring(4));
      return t > 1 ? Optional.of(Evaluation.iro(t - 1)) : Optional.empty();
    }
    return Optional.empty();
  }

  private static String format(Interval i) {
    return String.format(Locale.ROOT, "%.3f [%.3f, %.3f]", i.estimate(), i.lower(), i.upper());
  }

  private static String format(Difference d) {
    return (d.difference().estimate() >= 0 ? "+" : "") + format(d.difference());
  }

  private static String rounded(List<Double> values) {
    return values.stream().map(v -> String.format(Locale.ROOT, "%.3f", v)).toList().toString();
  }

  /** Writes everything, settings and per-prompt rewards included, as JSON, atomically. */
  public void writeJson(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("formatVersion", FORMAT_VERSION);
    ObjectNode s = root.putObject("settings");
    s.putPOJO("tasks", settings.tasks());
    s.putPOJO("seeds", settings.seedValues());
    s.put("promptsPerIteration", settings.promptsPerIteration());
    s.put("evaluationPrompts", settings.evaluationPrompts());
    s.put("iterations", settings.iterations());
    s.put("maxNewTokens", settings.maxNewTokens());
    s.put("chunkLength", settings.chunkLength());
    s.put("smallChunkLength", settings.smallChunkLength());
    s.put("budget", Evaluation.BUDGET);
    s.put("smallBudget", Evaluation.SMALL_BUDGET);
    s.put("bootstrapResamples", settings.bootstrapResamples());
    s.put("confidenceLevel", Bootstrap.DEFAULT_LEVEL);
    if (settings.keepDecodedStatesMiB() > 0) {
      // Written only when set, so that reports from before the setting read as the same settings.
      s.put("keepDecodedStatesMiB", settings.keepDecodedStatesMiB());
    }
    root.putObject("valueRecipe").put("name", settings.recipe().name()).put("trainer", trainer);
    root.put("wallTimeSeconds", wallTime.toMillis() / 1000.0);
    ArrayNode out = root.putArray("tasks");
    for (TaskResult t : tasks) {
      ObjectNode n = out.addObject();
      n.put("task", t.task());
      n.put("shape", t.shape());
      n.set("methods", json.valueToTree(t.methods()));
      n.set("differences", json.valueToTree(t.differences()));
      n.putPOJO("headTrainingShare", trainingShares(t));
      ArrayNode seeds = n.putArray("seeds");
      for (SeedRun r : t.seeds()) {
        ObjectNode sn = seeds.addObject();
        sn.put("seed", r.seed());
        sn.put("alignmentMillis", r.alignmentMillis());
        sn.put("oneShotMillis", r.oneShotMillis());
        sn.set("iterations", json.valueToTree(r.iterations()));
        ArrayNode methods = sn.putArray("methods");
        for (MethodResult m : r.methods()) {
          ObjectNode mn = methods.addObject();
          mn.put("method", m.method());
          mn.put("meanReward", m.meanReward());
          mn.put("winRateVsBase", m.winRate());
          mn.put("tokensSampled", m.tokensSampled());
          mn.put("wallTimeMillis", m.wallTime().toMillis());
          mn.putPOJO("rewards", m.rewards());
          mn.putPOJO("meanFinalRewards", m.meanFinalRewards());
        }
      }
    }
    AtomicFiles.writeString(file, json.writeValueAsString(root));
  }

  /** Draws each task's mean reward with its interval per method, as a PNG. */
  public void writeChart(Path file) throws IOException {
    EvalChart.write(this, file);
  }
}
