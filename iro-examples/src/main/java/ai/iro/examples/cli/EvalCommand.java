package ai.iro.examples.cli;

import ai.iro.examples.ShippedModel;
import ai.iro.examples.eval.EvalReport;
import ai.iro.examples.eval.EvalSettings;
import ai.iro.examples.eval.Evaluation;
import ai.iro.examples.eval.ValueRecipes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code iro eval}: the comparison of IRO with Best-of-N and a one-shot value on the shipped model,
 * over several tasks and seeds, with bootstrap intervals ({@link Evaluation}). Prints a Markdown
 * table and writes {@code eval-results.json} and {@code eval-results.png} into {@code --out}.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Compare base sample, Best-of-4/16, a one-shot value and IRO on held-out prompts, over tasks "
        + "and seeds, with 95%% bootstrap intervals.",
    exitCodeListHeading = IroCommand.EXIT_CODES_HEADING,
    exitCodeList = {IroCommand.EXIT_OK_LINE, IroCommand.EXIT_FAILURE_LINE, IroCommand.EXIT_USAGE_LINE})
final class EvalCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--tasks", split = ",", description = "Tasks, comma separated: sentiment, sparse, dense, classifier "
      + "(default: all four).")
  List<String> tasks;

  @Option(names = "--seeds", description = "Number of seeds, from --seed on (default: 3).")
  Integer seeds;

  @Option(names = "--seed", description = "The first seed (default: 42).")
  Long seed;

  @Option(names = "--out", defaultValue = "iro-eval", description = "Output directory (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--quick", description = "A short run: 32 training prompts per iteration, 2 iterations, "
      + "24 held-out prompts, 16 new tokens; the options below override it.")
  boolean quick;

  @Option(names = "--prompts-per-iteration", description = "Fresh training prompts per IRO iteration (default: 300).")
  Integer promptsPerIteration;

  @Option(names = "--eval-prompts", description = "Held-out prompts, the same for every seed (default: 100).")
  Integer evalPrompts;

  @Option(names = "--iterations", description = "IRO iterations T (default: 3).")
  Integer iterations;

  @Option(names = "--max-new-tokens", description = "Response length limit (default: 32).")
  Integer maxNewTokens;

  @Option(names = "--small-chunk-length", description = "Chunk length of the two searches at W·K = 4 "
      + "(default: the chunk length, 8).")
  Integer smallChunkLength;

  @Option(names = "--value", defaultValue = "weighted", description = "Value recipe: ${COMPLETION-CANDIDATES} "
      + "(default: ${DEFAULT-VALUE}).", completionCandidates = RecipeNames.class)
  String value;

  @Option(names = "--keep-decoded-states", paramLabel = "MIB", description = "Keep up to MIB MiB of the hidden "
      + "states the searches compute, so that value training needs no second pass over the sampled answers; "
      + "they equal a fresh pass up to float rounding, not bit for bit (default: 0, none kept).")
  Integer keepDecodedStates;

  @Option(names = "--model", description = "Model directory with prompts-train.jsonl and prompts-heldout.jsonl "
      + "(default: the shipped kjv-tiny model).")
  Path model;

  @Override
  public Integer call() throws Exception {
    EvalSettings settings = settings();
    EvalReport report = Evaluation.run(settings);
    spec.commandLine().getOut().println();
    spec.commandLine().getOut().print(report.markdown());
    spec.commandLine().getOut().println();
    spec.commandLine().getOut().printf("wrote %s and %s in %.0f s%n", out.resolve(EvalReport.JSON_FILE),
        out.resolve(EvalReport.CHART_FILE), report.wallTime().toMillis() / 1000.0);
    return IroCommand.EXIT_OK;
  }

  /** The settings the options ask for; every bad value is a usage error naming its option. */
  EvalSettings settings() {
    if (model != null && !Files.isDirectory(model)) {
      throw new UsageError("--model " + model + ": no such directory");
    }
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new UsageError("--out " + out + ": exists and is not a directory");
    }
    EvalSettings.Builder b = quick ? EvalSettings.quick() : EvalSettings.builder();
    b.modelDirectory(model != null ? model : ShippedModel.directory()).outputDirectory(out);
    UsageError.check("--value", () -> b.recipe(ValueRecipes.named(value)));
    if (tasks != null) {
      UsageError.check("--tasks", () -> b.tasks(tasks));
    }
    if (seeds != null) {
      UsageError.check("--seeds", () -> b.seeds(seeds));
    }
    if (seed != null) {
      b.firstSeed(seed);
    }
    if (promptsPerIteration != null) {
      UsageError.check("--prompts-per-iteration", () -> b.promptsPerIteration(promptsPerIteration));
    }
    if (evalPrompts != null) {
      UsageError.check("--eval-prompts", () -> b.evaluationPrompts(evalPrompts));
    }
    if (iterations != null) {
      UsageError.check("--iterations", () -> b.iterations(iterations));
    }
    if (smallChunkLength != null) {
      UsageError.check("--small-chunk-length", () -> b.smallChunkLength(smallChunkLength));
    }
    if (maxNewTokens != null) {
      UsageError.check("--max-new-tokens", () -> b.maxNewTokens(maxNewTokens));
    }
    if (keepDecodedStates != null) {
      UsageError.check("--keep-decoded-states", () -> b.keepDecodedStatesMiB(keepDecodedStates));
    }
    return UsageError.check("--value " + value, b::build);
  }

  /** The recipe names, for the help text. */
  static final class RecipeNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return ValueRecipes.names().iterator();
    }
  }
}
