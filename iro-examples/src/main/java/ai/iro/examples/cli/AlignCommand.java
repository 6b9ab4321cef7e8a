package ai.iro.examples.cli;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.Aligner;
import ai.iro.core.AlignmentListener;
import ai.iro.core.IterationMetrics;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.data.PromptSplit;
import ai.iro.core.model.Sampling;
import ai.iro.core.resample.Resamplers;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.Reweighting;
import ai.iro.core.value.ValueTarget;
import ai.iro.core.value.ValueTrainer;
import ai.iro.examples.ValueHeads;
import ai.iro.onnx.lm.HiddenFeatures;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.runtime.Device;
import ai.iro.onnx.value.MlpValueTrainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code iro align}: aligns a user's ONNX model on a user's prompts; resumable. */
@Command(name = "align", mixinStandardHelpOptions = true,
    description = "Run IRO on your model and prompts; rerun with the same --out to resume.",
    exitCodeListHeading = IroCommand.EXIT_CODES_HEADING,
    exitCodeList = {IroCommand.EXIT_OK_LINE, IroCommand.EXIT_FAILURE_LINE, IroCommand.EXIT_USAGE_LINE})
final class AlignCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "ONNX causal LM directory (model.onnx, config.json, tokenizer.json).")
  Path model;

  @Option(names = "--prompts", required = true, description = "JSON Lines file (UTF-8) with a non-blank \"prompt\" string per line.")
  Path prompts;

  @Option(names = "--reward", required = true, description = "afinn, an ONNX reward-model directory, or a RewardModel class name on the classpath.")
  String reward;

  @Option(names = "--reward-label", description = "Logit index of an ONNX reward model with several labels.")
  Integer rewardLabel;

  @Option(names = "--out", required = true, description = "Policy and checkpoint directory: new, empty, or the --out of an earlier run, which is resumed.")
  Path out;

  @Option(names = "--iterations", defaultValue = "3", description = "T (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = {"-W", "--beam-width"}, defaultValue = "4", description = "Survivors per prompt (default: ${DEFAULT-VALUE}).")
  int beamWidth;

  @Option(names = {"-K", "--children"}, defaultValue = "4", description = "Children per survivor (default: ${DEFAULT-VALUE}).")
  int children;

  @Option(names = {"-L", "--chunk-length"}, defaultValue = "16", description = "Tokens per chunk (default: ${DEFAULT-VALUE}).")
  int chunkLength;

  @Option(names = "--betas", split = ",", description = "beta_1..beta_T, comma separated (default: 1,2,2.5).")
  double[] betas;

  @Option(names = "--samples", defaultValue = "16", description = "Samples per prompt in iteration 1 (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--max-new-tokens", defaultValue = "64", description = "Response length limit; every prompt must leave this many positions in the model's context (default: ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(names = "--chat", description = "Render each prompt as the user's message with the model's chat template "
      + "(tokenizer_config.json); prompts may then also be chat or Alpaca records.")
  boolean chat;

  @Option(names = "--reuse-prompts", description = "Use every prompt in every iteration instead of a fresh slice each.")
  boolean reuse;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--reweighting", description = "What each prompt's scored samples train: best (the paper), all, "
      + "softmax(beta=B) or weighted(temperature=T) (default: the library's, see README).")
  String reweighting;

  @Option(names = "--training-resampler", description = "How iterations 2..T pick survivors while sampling their "
      + "training answers: top-w, diversity-first, multinomial(tau=T), systematic(tau=T), standardized(R) or "
      + "incremental(R) (sequential Monte Carlo: R weighs each score's rise since the parent prefix), e.g. "
      + "incremental(systematic(tau=1)), or standardized(incremental(systematic(tau=1))) for the same pressure on "
      + "rewards of any scale (default: the search's own; the policy always searches with it).")
  String trainingResampler;

  @Option(names = "--value-target", description = "monte-carlo (the paper) or soft(temperature=T) (default: monte-carlo).")
  String valueTarget;

  @Option(names = "--warm-start", description = "Start each value head from the previous iteration's.")
  boolean warmStart;

  @Option(names = "--residual", description = "Fit each value head to what the earlier heads mispredict (boosting).")
  boolean residual;

  @Option(names = "--pooled-features", description = "Value heads read the mean of the response's hidden states "
      + "next to the last one (default: the last hidden state alone).")
  boolean pooledFeatures;

  @Option(names = "--keep-decoded-states", paramLabel = "MIB", description = "Keep up to MIB MiB of the hidden "
      + "states the searches compute, so that value training needs no second pass over the sampled answers; "
      + "they equal a fresh pass up to float rounding, not bit for bit (default: 0, none kept).")
  int keepDecodedStates;

  @Option(names = "--prefix-reward", description = "Value heads also read the reward of the response so far "
      + "(one reward call per scored state; the reward needs an id).")
  boolean prefixReward;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Override
  public Integer call() throws Exception {
    // Everything is checked before anything is written: a refused run leaves --out as it was.
    Device dev = UsageError.check("--device", () -> Device.parse(device));
    Searcher.Builder search = Searcher.builder();
    UsageError.check("-W", () -> search.beamWidth(beamWidth));
    UsageError.check("-K", () -> search.children(children));
    UsageError.check("-L", () -> search.chunkLength(chunkLength));
    Sampling sampling = UsageError.check("--max-new-tokens", () -> Sampling.builder().maxNewTokens(maxNewTokens).build());
    Searcher searcher = UsageError.check("-W/-K/-L", () -> search.sampling(sampling).build());
    Aligner.Builder builder = Aligner.builder().searcher(searcher).seed(seed)
        .split(reuse ? PromptSplit.REUSE : PromptSplit.FRESH_SLICES).checkpointDirectory(out);
    UsageError.check("--iterations", () -> builder.iterations(iterations));
    UsageError.check("--samples", () -> builder.initialSamples(samples));
    if (reweighting != null) {
      UsageError.check("--reweighting", () -> builder.reweighting(Reweighting.parse(reweighting)));
    }
    if (trainingResampler != null) {
      UsageError.check("--training-resampler", () -> builder.trainingResampler(Resamplers.parse(trainingResampler)));
    }
    if (valueTarget != null) {
      UsageError.check("--value-target", () -> builder.valueTarget(ValueTarget.parse(valueTarget)));
    }
    if (betas != null) {
      UsageError.check("--betas", () -> builder.betas(betas));
      if (betas.length != iterations) {
        throw new UsageError("--betas: " + betas.length + " betas for " + iterations + " iterations; give one per iteration");
      }
    }
    if (keepDecodedStates < 0) {
      throw new UsageError("--keep-decoded-states " + keepDecodedStates + ": must not be negative");
    }
    Checks.requireFile("--prompts", prompts);
    Checks.requireDirectory("--model", model);
    Checks.requireOwnOutput(out);
    RewardModel rewardModel = Rewards.parse(reward, Optional.ofNullable(rewardLabel));
    PromptDataset dataset = PromptDataset.read(prompts);
    if (dataset.isEmpty()) {
      throw new IOException(prompts + ": holds no prompts (expected one {\"prompt\": \"...\"} object per line)");
    }
    HiddenFeatures hiddenFeatures = pooledFeatures ? HiddenFeatures.LAST_AND_MEAN : HiddenFeatures.LAST;
    try (OnnxCausalLM lm = ChatOption.model(model, dev, chat, hiddenFeatures, (long) keepDecodedStates << 20)) {
      Checks.requireRoom(lm, dataset.prompts(), maxNewTokens, "--prompts " + prompts);
      Optional<RewardModel> headReward = prefixReward ? Optional.of(rewardModel) : Optional.empty();
      ValueHeads.features(lm); // a model without hidden states fails here, not as a --prefix-reward usage error
      FeatureSource features = UsageError.check("--prefix-reward", () -> ValueHeads.features(lm, headReward));
      ValueTrainer trainer = MlpValueTrainer.builder().features(features).warmStart(warmStart)
          .residual(residual).build();
      Aligner aligner = builder.reward(rewardModel).baseModel(lm).valueTrainer(trainer)
          .valueLoaders(ValueHeads.loaders(lm, headReward)).listener(listener()).build();
      // Too few prompts for --iterations, or an --out that holds another run: the message names the cause.
      UsageError.check("", () -> {
        aligner.validate(dataset);
        return aligner;
      });
      new CliFile(model.toAbsolutePath(), device, Optional.of(Rewards.recordable(reward)), Optional.ofNullable(rewardLabel), chat, hiddenFeatures,
          prefixReward).write(out);
      AlignedPolicy policy = aligner.align(dataset);
      spec.commandLine().getOut().println("aligned policy with " + policy.iterations() + " iterations in " + out);
    }
    return 0;
  }

  private AlignmentListener listener() {
    return new AlignmentListener() {
      @Override
      public void onResume(int completed) {
        spec.commandLine().getOut().println("resuming after " + completed + " completed iteration(s) in " + out);
      }

      @Override
      public void onIterationEnd(IterationMetrics m) {
        spec.commandLine().getOut().printf(Locale.ROOT, "iteration %d: kept mean reward %.3f, samples %.3f, %d tokens%n",
            m.iteration(), m.meanKeptReward(), m.meanSampleReward(), m.tokensSampled());
      }
    };
  }
}
