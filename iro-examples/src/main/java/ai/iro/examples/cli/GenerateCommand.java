package ai.iro.examples.cli;

import ai.iro.core.AlignedPolicy;
import ai.iro.examples.ValueHeads;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.runtime.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code iro generate}: answers a prompt with an aligned policy. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate with an aligned policy.")
final class GenerateCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--policy", required = true, description = "Policy directory written by iro align.")
  Path policy;

  @Option(names = "--prompt", required = true, description = "The prompt.")
  String prompt;

  @Option(names = "--model", description = "ONNX model directory (default: the one the policy was aligned on).")
  Path model;

  @Option(names = "--reward", description = "Pick the final answer with this reward (afinn, an ONNX reward directory "
      + "or a class name; default: the reward the policy was aligned with).")
  String reward;

  @Option(names = "--value-pick", description = "Pick the final answer by value alone, calling no reward model.")
  boolean valuePick;

  @Option(names = "--reward-label", description = "Logit index of an ONNX reward model with several labels.")
  Integer rewardLabel;

  @Option(names = "--device", description = "cpu, cuda or cuda:N (default: the one used by align, else cpu).")
  String device;

  @Override
  public Integer call() throws Exception {
    JsonNode cli = null;
    Path cliFile = policy.resolve(AlignCommand.CLI_FILE);
    if (Files.isRegularFile(cliFile)) {
      cli = new ObjectMapper().readTree(cliFile.toFile());
    }
    Path modelDir = model != null ? model : cli != null ? Path.of(cli.path("model").asText()) : null;
    if (modelDir == null) {
      throw new IllegalArgumentException("--policy " + policy + " does not say which model it was aligned on; pass --model");
    }
    Device dev = Device.parse(device != null ? device : cli != null ? cli.path("device").asText("cpu") : "cpu");
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(modelDir)
        .execution(OnnxCausalLM.DEFAULT_EXECUTION.withDevice(dev)).build()) {
      AlignedPolicy p = AlignedPolicy.load(policy, lm, ValueHeads.loaders(lm));
      String rewardSpec = reward != null ? reward : cli != null && cli.hasNonNull("reward") ? cli.get("reward").asText() : null;
      if (valuePick && reward != null) {
        throw new IllegalArgumentException("--value-pick and --reward exclude each other");
      }
      if (!valuePick && rewardSpec != null) {
        Integer label = rewardLabel != null || reward != null ? rewardLabel
            : cli.hasNonNull("rewardLabel") ? Integer.valueOf(cli.get("rewardLabel").asInt()) : null;
        p = p.withReward(Rewards.parse(rewardSpec, java.util.Optional.ofNullable(label)));
      }
      spec.commandLine().getOut().println(prompt + p.generate(prompt));
    }
    return 0;
  }
}
