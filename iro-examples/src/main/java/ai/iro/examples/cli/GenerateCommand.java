package ai.iro.examples.cli;

import ai.iro.core.data.Prompt;
import ai.iro.core.AlignedPolicy;
import ai.iro.core.reward.RewardModel;
import ai.iro.examples.ValueHeads;
import ai.iro.onnx.lm.HiddenFeatures;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.runtime.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code iro generate}: answers a prompt with an aligned policy. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate with an aligned policy.",
    exitCodeListHeading = IroCommand.EXIT_CODES_HEADING,
    exitCodeList = {IroCommand.EXIT_OK_LINE, IroCommand.EXIT_FAILURE_LINE, IroCommand.EXIT_USAGE_LINE})
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

  @Option(names = "--value-pick", description = "Pick the final answer by value alone, without a reward pick (a "
      + "policy aligned with --prefix-reward still calls its reward for the value features).")
  boolean valuePick;

  @Option(names = "--reward-label", description = "Logit index of an ONNX reward model with several labels.")
  Integer rewardLabel;

  @Option(names = "--device", description = "cpu, cuda or cuda:N (default: the one used by align, else cpu).")
  String device;

  @Option(names = "--chat", description = "Render the prompt with the model's chat template (default: as iro align did).")
  boolean chat;

  @Override
  public Integer call() throws Exception {
    if (valuePick && reward != null) {
      throw new UsageError("--value-pick and --reward exclude each other: pick by value alone, or by that reward");
    }
    if (prompt.isBlank()) {
      throw new UsageError("--prompt: the prompt is " + (prompt.isEmpty() ? "empty" : "blank") + "; give text to continue");
    }
    Checks.requireDirectory("--policy", policy);
    Optional<Device> explicitDevice = device == null ? Optional.empty()
        : Optional.of(UsageError.check("--device", () -> Device.parse(device)));
    if (model != null) {
      Checks.requireDirectory("--model", model);
    }
    Optional<CliFile> cli = CliFile.read(policy);
    Path modelDir = model != null ? model : cli.map(CliFile::model).orElseThrow(() -> new UsageError("--policy " + policy
        + " has no " + CliFile.NAME + " naming the model it was aligned on (iro align writes one); pass --model"));
    Device dev = explicitDevice.isPresent() ? explicitDevice.get() : cli.isEmpty() ? Device.cpu()
        : UsageError.check(policy.resolve(CliFile.NAME) + ": device", () -> Device.parse(cli.get().device()));
    Optional<String> rewardSpec = reward != null ? Optional.of(reward) : cli.flatMap(CliFile::reward);
    Optional<Integer> label = reward != null || rewardLabel != null ? Optional.ofNullable(rewardLabel)
        : cli.flatMap(CliFile::rewardLabel);
    Optional<RewardModel> headReward = CliFile.prefixRewardModel(cli, policy);
    // The heads' reward picks too when it is the same one: loaded once.
    boolean sameAsHeads = headReward.isPresent() && rewardSpec.equals(cli.get().reward())
        && label.equals(cli.get().rewardLabel());
    List<RewardModel> loaded = new ArrayList<>();
    headReward.ifPresent(loaded::add);
    try {
      Optional<RewardModel> picker = valuePick ? Optional.empty() : sameAsHeads ? headReward
          : rewardSpec.map(r -> Rewards.parse(r, label));
      picker.filter(r -> !sameAsHeads).ifPresent(loaded::add);
      boolean asChat = chat || cli.map(CliFile::chat).orElse(false);
      HiddenFeatures features = cli.map(CliFile::hiddenFeatures).orElse(HiddenFeatures.LAST);
      try (OnnxCausalLM lm = ChatOption.model(modelDir, dev, asChat, features)) {
        AlignedPolicy p = AlignedPolicy.load(policy, lm, ValueHeads.loaders(lm, headReward));
        Checks.requireRoom(lm, List.of(Prompt.of(prompt)), p.searcher().sampling().maxNewTokens(), "--prompt");
        p = picker.isPresent() ? p.withReward(picker.get()) : p;
        spec.commandLine().getOut().println(prompt + p.generate(prompt));
      }
    } finally {
      Rewards.closeAll(loaded);
    }
    return 0;
  }
}
