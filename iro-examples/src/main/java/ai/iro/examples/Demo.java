package ai.iro.examples;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.Aligner;
import ai.iro.core.value.Reweighting;
import ai.iro.core.data.Prompt;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.data.PromptSplit;
import ai.iro.core.model.Sampling;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.ValueStack;
import ai.iro.examples.eval.EvaluationReport;
import ai.iro.examples.eval.Evaluator;
import ai.iro.examples.eval.MethodResult;
import ai.iro.examples.reward.AfinnReward;
import ai.iro.onnx.lm.OnnxCausalLM;
import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end-to-end demo: aligns the shipped KJV model toward positive sentiment (AFINN-165) with
 * three IRO iterations, then compares on held-out prompts, at a budget of 16 samples per prompt:
 * the base sample, Best-of-16 with the reward, search guided by a one-shot value function trained
 * on unselected base samples (controlled-decoding style), and IRO after each iteration. Static
 * methods only; a run owns its model and output directory, so two runs at once need two directories.
 */
public final class Demo {
  private static final Logger LOG = LoggerFactory.getLogger(Demo.class);

  /**
   * What the demo runs.
   *
   * @param modelDirectory the base model
   * @param outputDirectory where the policy, the JSON report and the chart go
   * @param promptsPerIteration training prompts per iteration (fresh each iteration)
   * @param evaluationPrompts held-out prompts to evaluate on
   * @param iterations T
   * @param maxNewTokens response length limit
   * @param chunkLength L
   * @param seed the seed of everything
   */
  public record Settings(Path modelDirectory, Path outputDirectory, int promptsPerIteration, int evaluationPrompts,
      int iterations, int maxNewTokens, int chunkLength, long seed) {
    /** Validates the settings. */
    public Settings {
      Objects.requireNonNull(modelDirectory, "modelDirectory");
      Objects.requireNonNull(outputDirectory, "outputDirectory");
      Preconditions.checkArgument(promptsPerIteration >= 1, "promptsPerIteration must be at least 1, found %s", promptsPerIteration);
      Preconditions.checkArgument(evaluationPrompts >= 1, "evaluationPrompts must be at least 1, found %s", evaluationPrompts);
      Preconditions.checkArgument(iterations >= 1, "iterations must be at least 1, found %s", iterations);
      Preconditions.checkArgument(maxNewTokens >= 1, "maxNewTokens must be at least 1, found %s", maxNewTokens);
      Preconditions.checkArgument(chunkLength >= 1, "chunkLength must be at least 1, found %s", chunkLength);
    }

    /** The full demo: 3 iterations of 300 prompts, 100 held-out prompts, 32 new tokens, L = 8. */
    public static Settings full(Path modelDirectory, Path outputDirectory) {
      return new Settings(modelDirectory, outputDirectory, 300, 100, 3, 32, 8, 42L);
    }

    /** A shortened run for tests. */
    public static Settings quick(Path modelDirectory, Path outputDirectory) {
      return new Settings(modelDirectory, outputDirectory, 48, 40, 3, 16, 8, 42L);
    }
  }

  /** The budget of samples per prompt of every method but the base sample. */
  public static final int BUDGET = 16;

  private Demo() {}

  /** Runs the demo and returns its report (also printed, and written as JSON and PNG). */
  public static EvaluationReport run(Settings s) throws IOException {
    Files.createDirectories(s.outputDirectory());
    RewardModel reward = AfinnReward.load();
    try (OnnxCausalLM lm = OnnxCausalLM.load(s.modelDirectory())) {
      LOG.info("base model: {}", lm);
      Sampling sampling = Sampling.builder().maxNewTokens(s.maxNewTokens()).build();
      Searcher cbs = Searcher.builder().beamWidth(4).children(4).chunkLength(s.chunkLength()).sampling(sampling).build();
      List<Prompt> train = PromptDataset.fromJsonl(s.modelDirectory().resolve("prompts-train.jsonl")).prompts();
      List<String> heldOut = PromptDataset.fromJsonl(s.modelDirectory().resolve("prompts-heldout.jsonl")).texts();
      int needed = s.promptsPerIteration() * s.iterations();
      Preconditions.checkArgument(train.size() >= needed && heldOut.size() >= s.evaluationPrompts(),
          "the model ships %s training and %s held-out prompts; the settings need %s and %s",
          train.size(), heldOut.size(), needed, s.evaluationPrompts());
      PromptDataset dataset = PromptDataset.ofPrompts(train.subList(0, needed));

      Aligner.Builder base = Aligner.builder().baseModel(lm).reward(reward).valueTrainer(ValueHeads.trainer(lm))
          .valueLoaders(ValueHeads.loaders(lm)).searcher(cbs).initialSamples(BUDGET).seed(s.seed());
      try (Progress progress = new Progress("IRO")) {
        AlignedPolicy iro = base.iterations(s.iterations()).listener(progress)
            .checkpointDirectory(s.outputDirectory().resolve("policy")).build().align(dataset);
        AlignedPolicy oneShot = base.iterations(1).reweighting(Reweighting.all()).split(PromptSplit.REUSE)
            .listener(progress).checkpointDirectory(s.outputDirectory().resolve("one-shot-value")).build()
            .align(PromptDataset.ofPrompts(train.subList(0, s.promptsPerIteration())));

        Evaluator eval = new Evaluator(lm, reward, heldOut.subList(0, s.evaluationPrompts()), 8, s.seed() + 1);
        progress.stage("evaluating", 3 + s.iterations());
        MethodResult baseSample = eval.base("base sample", Searcher.bestOfN(1, sampling));
        progress.step();
        MethodResult bestOfN = eval.method("best-of-" + BUDGET, Searcher.bestOfN(BUDGET, sampling), ValueStack.empty(), true);
        progress.step();
        MethodResult oneShotResult = eval.method("one-shot V (CBS 4/4/" + s.chunkLength() + ")", cbs, oneShot.values(), true);
        progress.step();
        List<MethodResult> iroResults = new ArrayList<>();
        for (int t = 1; t <= s.iterations(); t++) {
          iroResults.add(eval.method("IRO iteration " + t, cbs, iro.upTo(t).values(), true));
          progress.step();
        }
        EvaluationReport report = new EvaluationReport(baseSample, bestOfN, List.of(oneShotResult), iroResults);
        report.writeJson(s.outputDirectory().resolve("demo-results.json"));
        report.writeChart(s.outputDirectory().resolve("demo-results.png"));
        return report;
      }
    }
  }
}
