package ai.iro.examples.eval;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.Aligner;
import ai.iro.core.AlignmentListener;
import ai.iro.core.IterationMetrics;
import ai.iro.core.data.Prompt;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.data.PromptSplit;
import ai.iro.core.model.Sampling;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.Reweighting;
import ai.iro.core.value.ValueStack;
import ai.iro.onnx.lm.OnnxCausalLM;
import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The evaluation anyone can rerun: for every task and seed, aligns IRO (T iterations on fresh
 * training prompts) and a one-shot value (one iteration keeping every sample), then compares on the
 * same held-out prompts, with the reward picking the final answer among the finals of every method
 * but the base sample: the base sample, Best-of-4, Best-of-16, the one-shot value (CBS W = 4,
 * K = 4), IRO after each iteration (CBS 4/4) and IRO-T at W·K = 4 in two shapes (CBS 2/2, and 1/4:
 * one survivor with four children, the most selection four samples allow). The seed changes the
 * alignment (IRO's shuffle of the training prompts, its samples, the heads' training) and the
 * evaluation's sampling; the held-out prompts stay. Deterministic per seed. Static methods only;
 * a run owns its output directory.
 *
 * <pre>{@code
 * EvalReport report = Evaluation.run(EvalSettings.builder().modelDirectory(ShippedModel.directory())
 *     .outputDirectory(Path.of("iro-eval")).tasks(List.of("sentiment", "sparse", "dense")).build());
 * System.out.print(report.markdown());
 * }</pre>
 */
public final class Evaluation {
  /** The samples per prompt of Best-of-16, the one-shot value, IRO and alignment. */
  public static final int BUDGET = 16;
  /** The small budget: Best-of-4 and IRO-T at W·K = 4. */
  public static final int SMALL_BUDGET = 4;
  /** The method name of one plain sample. */
  public static final String BASE = "base sample";
  /** The method name of Best-of-4. */
  public static final String BEST_OF_4 = "best-of-4";
  /** The method name of Best-of-16. */
  public static final String BEST_OF_16 = "best-of-16";
  /** The method name of search guided by the one-shot value. */
  public static final String ONE_SHOT = "one-shot V";
  /** Prompts per search call. */
  static final int BATCH_SIZE = 8;

  private static final Logger LOG = LoggerFactory.getLogger(Evaluation.class);

  private Evaluation() {}

  /** The method name of IRO after iteration {@code t}: {@code IRO-t}. */
  public static String iro(int t) {
    return "IRO-" + t;
  }

  /** The method name of IRO after iteration {@code t} searched at W·K = 4, W = K = 2: {@code IRO-t@4}. */
  public static String iroSmall(int t) {
    return iro(t) + "@" + SMALL_BUDGET;
  }

  /** The method name of IRO after iteration {@code t} searched at W = 1, K = 4: {@code IRO-t@4 W=1}. */
  public static String iroNarrow(int t) {
    return iroSmall(t) + " W=1";
  }

  /**
   * Runs the evaluation, writes {@code eval-results.json} and {@code eval-results.png} into the
   * output directory and returns the report.
   *
   * @throws IllegalArgumentException if the model ships too few prompts for the settings
   * @throws IOException if the prompts cannot be read or the results not written
   */
  public static EvalReport run(EvalSettings s) throws IOException {
    long start = System.nanoTime();
    Files.createDirectories(s.outputDirectory());
    List<Prompt> train = PromptDataset.fromJsonl(s.modelDirectory().resolve("prompts-train.jsonl")).prompts();
    List<String> heldOut = PromptDataset.fromJsonl(s.modelDirectory().resolve("prompts-heldout.jsonl")).texts();
    int needed = s.promptsPerIteration() * s.iterations();
    Preconditions.checkArgument(train.size() >= needed && heldOut.size() >= s.evaluationPrompts(),
        "the model ships %s training and %s held-out prompts; the settings need %s and %s",
        train.size(), heldOut.size(), needed, s.evaluationPrompts());
    PromptDataset dataset = PromptDataset.ofPrompts(train.subList(0, needed));
    PromptDataset oneShotData = PromptDataset.ofPrompts(train.subList(0, s.promptsPerIteration()));
    List<String> prompts = heldOut.subList(0, s.evaluationPrompts());
    Bootstrap bootstrap = new Bootstrap(s.bootstrapResamples(), Bootstrap.DEFAULT_LEVEL, s.firstSeed());
    List<TaskResult> results = new ArrayList<>();
    String trainer;
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(s.modelDirectory())
            .hiddenFeatures(s.recipe().hiddenFeatures()).keepDecodedStates((long) s.keepDecodedStatesMiB() << 20).build();
        RunProgress progress = new RunProgress((long) s.tasks().size() * s.seeds() * samplesPerSeed(s))) {
      trainer = null;
      for (String name : s.tasks()) {
        try (Task task = Tasks.open(name, s.modelDirectory().resolve("tokenizer.json"))) {
          if (trainer == null) {
            // The first task's: with the prefix reward, the trainer's features name the task's reward.
            trainer = s.recipe().trainer(lm, task.reward()).describe().orElse("(no description)");
          }
          List<SeedRun> runs = new ArrayList<>();
          for (long seed : s.seedValues()) {
            progress.describe(name + ", seed " + seed);
            runs.add(runSeed(lm, task, seed, s, dataset, oneShotData, prompts, progress));
          }
          results.add(TaskResult.of(task, runs, bootstrap));
        }
      }
    }
    EvalReport report = new EvalReport(s, trainer, results, Duration.ofNanos(System.nanoTime() - start));
    report.writeJson(s.outputDirectory().resolve(EvalReport.JSON_FILE));
    report.writeChart(s.outputDirectory().resolve(EvalReport.CHART_FILE));
    return report;
  }

  /** The progress units of one task at one seed: samples of alignment and evaluation. */
  static long samplesPerSeed(EvalSettings s) {
    long align = (long) BUDGET * s.promptsPerIteration() * (s.iterations() + 1);
    long evaluate = (long) s.evaluationPrompts() * (1 + SMALL_BUDGET + BUDGET + BUDGET + BUDGET * s.iterations()
        + 2 * SMALL_BUDGET);
    return align + evaluate;
  }

  private static SeedRun runSeed(OnnxCausalLM lm, Task task, long seed, EvalSettings s, PromptDataset dataset,
      PromptDataset oneShotData, List<String> prompts, RunProgress progress) {
    Sampling sampling = Sampling.builder().maxNewTokens(s.maxNewTokens()).build();
    Searcher cbs = Searcher.builder().beamWidth(4).children(4).chunkLength(s.chunkLength()).sampling(sampling).build();
    Searcher small = Searcher.builder().beamWidth(2).children(2).chunkLength(s.smallChunkLength()).sampling(sampling)
        .build();
    Searcher narrow = Searcher.builder().beamWidth(1).children(SMALL_BUDGET).chunkLength(s.smallChunkLength())
        .sampling(sampling).build();
    TimedValueTrainer timed = new TimedValueTrainer(s.recipe().trainer(lm, task.reward()));
    List<IterationMetrics> metrics = new ArrayList<>();
    AlignmentListener collect = new AlignmentListener() {
      @Override
      public void onIterationEnd(IterationMetrics m) {
        metrics.add(m);
        LOG.debug("{} seed {} iteration {}: mean sample reward {}", task.name(), seed, m.iteration(), m.meanSampleReward());
      }
    };
    long t0 = System.nanoTime();
    Aligner.Builder iroBuilder = aligner(lm, task, seed, cbs).valueTrainer(timed).iterations(s.iterations())
        .listener(progress.alignment(BUDGET, collect));
    AlignedPolicy iro = s.recipe().aligner().apply(iroBuilder).build().align(dataset);
    long t1 = System.nanoTime();
    AlignedPolicy oneShot = aligner(lm, task, seed, cbs).valueTrainer(s.recipe().trainer(lm, task.reward())).iterations(1)
        .reweighting(Reweighting.all()).split(PromptSplit.REUSE)
        .listener(progress.alignment(BUDGET, AlignmentListener.none())).build().align(oneShotData);
    long t2 = System.nanoTime();

    Evaluator eval = new Evaluator(lm, task.reward(), prompts, BATCH_SIZE, seed + 1);
    List<MethodResult> methods = new ArrayList<>();
    int n = prompts.size();
    methods.add(eval.base(BASE, Searcher.bestOfN(1, sampling)));
    progress.advance(n);
    methods.add(eval.method(BEST_OF_4, Searcher.bestOfN(SMALL_BUDGET, sampling), ValueStack.empty(), true));
    progress.advance((long) n * SMALL_BUDGET);
    methods.add(eval.method(BEST_OF_16, Searcher.bestOfN(BUDGET, sampling), ValueStack.empty(), true));
    progress.advance((long) n * BUDGET);
    methods.add(eval.method(ONE_SHOT, cbs, oneShot.values(), true));
    progress.advance((long) n * BUDGET);
    for (int t = 1; t <= s.iterations(); t++) {
      methods.add(eval.method(iro(t), cbs, iro.upTo(t).values(), true));
      progress.advance((long) n * BUDGET);
    }
    methods.add(eval.method(iroSmall(s.iterations()), small, iro.values(), true));
    progress.advance((long) n * SMALL_BUDGET);
    methods.add(eval.method(iroNarrow(s.iterations()), narrow, iro.values(), true));
    progress.advance((long) n * SMALL_BUDGET);

    List<Duration> training = timed.trainingTimes();
    List<IterationTiming> timings = new ArrayList<>();
    for (int i = 0; i < metrics.size(); i++) {
      IterationMetrics m = metrics.get(i);
      long wall = m.wallTime().toMillis();
      long train = training.get(i).toMillis();
      timings.add(new IterationTiming(m.iteration(), wall, train, wall == 0 ? 0 : (double) train / wall,
          m.meanSampleReward(), m.examples()));
    }
    return new SeedRun(seed, methods, timings, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
  }

  private static Aligner.Builder aligner(OnnxCausalLM lm, Task task, long seed, Searcher cbs) {
    return Aligner.builder().baseModel(lm).reward(task.reward()).searcher(cbs).initialSamples(BUDGET)
        .batchSize(BATCH_SIZE).seed(seed);
  }
}
