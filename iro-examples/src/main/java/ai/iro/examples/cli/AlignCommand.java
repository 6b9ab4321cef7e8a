package ai.iro.examples.cli;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.Aligner;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.data.PromptSplit;
import ai.iro.core.model.Sampling;
import ai.iro.core.search.Searcher;
import ai.iro.examples.ValueHeads;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.runtime.Device;
import ai.iro.core.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code iro align}: aligns a user's ONNX model on a user's prompts; resumable. */
@Command(name = "align", mixinStandardHelpOptions = true,
    description = "Run IRO on your model and prompts; rerun with the same --out to resume.")
final class AlignCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  /** The file beside the policy that tells {@code iro generate} which model and device to use. */
  static final String CLI_FILE = "cli.json";

  @Option(names = "--model", required = true, description = "ONNX causal LM directory (model.onnx, config.json, tokenizer.json).")
  Path model;

  @Option(names = "--prompts", required = true, description = "JSON Lines file with a \"prompt\" field per line.")
  Path prompts;

  @Option(names = "--reward", required = true, description = "afinn, an ONNX reward-model directory, or a RewardModel class name on the classpath.")
  String reward;

  @Option(names = "--reward-label", description = "Logit index of an ONNX reward model with several labels.")
  Integer rewardLabel;

  @Option(names = "--out", required = true, description = "Policy and checkpoint directory.")
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

  @Option(names = "--max-new-tokens", defaultValue = "64", description = "Response length limit (default: ${DEFAULT-VALUE}).")
  int maxNewTokens;

  @Option(names = "--reuse-prompts", description = "Use every prompt in every iteration instead of a fresh slice each.")
  boolean reuse;

  @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Override
  public Integer call() throws Exception {
    Device dev = Device.parse(device);
    if (!Files.isRegularFile(prompts)) {
      throw new IllegalArgumentException("--prompts " + prompts + ": no such file");
    }
    PromptDataset dataset = PromptDataset.fromJsonl(prompts);
    Searcher searcher = Searcher.builder().beamWidth(beamWidth).children(children).chunkLength(chunkLength)
        .sampling(Sampling.builder().maxNewTokens(maxNewTokens).build()).build();
    Aligner.Builder builder = Aligner.builder().reward(Rewards.parse(reward, java.util.Optional.ofNullable(rewardLabel))).iterations(iterations)
        .searcher(searcher).initialSamples(samples).seed(seed).split(reuse ? PromptSplit.REUSE : PromptSplit.FRESH_SLICES)
        .checkpointDirectory(out);
    if (betas != null) {
      builder.betas(betas);
    }
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(model)
        .execution(OnnxCausalLM.DEFAULT_EXECUTION.withDevice(dev)).build()) {
      writeCliFile(out, model, device, reward, rewardLabel);
      AlignedPolicy policy = builder.baseModel(lm).valueTrainer(ValueHeads.trainer(lm)).valueLoaders(ValueHeads.loaders(lm))
          .listener(new ai.iro.core.AlignmentListener() {
            @Override
            public void onResume(int completed) {
              spec.commandLine().getOut().println("resuming after " + completed + " completed iteration(s) in " + out);
            }

            @Override
            public void onIterationEnd(ai.iro.core.IterationMetrics m) {
              spec.commandLine().getOut().printf(java.util.Locale.ROOT, "iteration %d: kept mean reward %.3f, samples %.3f, %d tokens%n",
                  m.iteration(), m.meanKeptReward(), m.meanSampleReward(), m.tokensSampled());
            }
          }).build().align(dataset);
      spec.commandLine().getOut().println("aligned policy with " + policy.iterations() + " iterations in " + out);
    }
    return 0;
  }

  private static void writeCliFile(Path out, Path model, String device, String reward, Integer rewardLabel)
      throws java.io.IOException {
    ObjectMapper json = new ObjectMapper();
    ObjectNode n = json.createObjectNode();
    n.put("model", model.toAbsolutePath().toString());
    n.put("device", device);
    n.put("reward", reward);
    if (rewardLabel != null) {
      n.put("rewardLabel", rewardLabel);
    }
    AtomicFiles.writeString(out.resolve(CLI_FILE), json.writerWithDefaultPrettyPrinter().writeValueAsString(n));
  }

}
