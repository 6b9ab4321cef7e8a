package ai.iro.examples.cli;

import ai.iro.core.internal.JsonErrors;
import ai.iro.core.io.AtomicFiles;
import ai.iro.core.reward.RewardModel;
import ai.iro.onnx.lm.HiddenFeatures;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * {@value #NAME}, the file {@code iro align} writes beside the policy so that {@code iro generate}
 * knows the model, device, reward and value features it was aligned with.
 *
 * @param model the model directory, absolute
 * @param device the {@code --device} text
 * @param reward the {@code --reward} text (absent in files of older versions)
 * @param rewardLabel the {@code --reward-label}, if one was given
 * @param chat whether {@code --chat} rendered prompts with the model's chat template
 * @param hiddenFeatures the hidden features the value heads read ({@code --pooled-features}: the
 *     last and the mean; {@link HiddenFeatures#LAST} in files of older versions)
 * @param prefixReward whether the value heads also read the reward of the response so far
 *     ({@code --prefix-reward}), which then needs {@code reward}
 */
record CliFile(Path model, String device, Optional<String> reward, Optional<Integer> rewardLabel, boolean chat,
    HiddenFeatures hiddenFeatures, boolean prefixReward) {
  /** The file's name inside the policy directory. */
  static final String NAME = "cli.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Writes the file into {@code directory} atomically, first deleting temporaries a killed write left. */
  void write(Path directory) throws IOException {
    Path file = directory.resolve(NAME);
    AtomicFiles.removeTemporaries(file);
    ObjectNode n = JSON.createObjectNode();
    n.put("model", model.toAbsolutePath().toString());
    n.put("device", device);
    reward.ifPresent(r -> n.put("reward", r));
    rewardLabel.ifPresent(l -> n.put("rewardLabel", l));
    if (chat) {
      n.put("chat", true);
    }
    n.put("hiddenFeatures", hiddenFeatures.name());
    if (prefixReward) {
      n.put("prefixReward", true);
    }
    AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
  }

  /**
   * The reward the value heads of the policy in {@code directory} read, when its file says they read
   * one ({@link #prefixReward()}); none without a file.
   *
   * @throws IOException naming the file if the heads read a reward but the file names none, or it
   *     cannot be loaded
   */
  static Optional<RewardModel> prefixRewardModel(Optional<CliFile> file, Path directory) throws IOException {
    return file.isPresent() ? file.get().prefixRewardModel(directory) : Optional.empty();
  }

  /**
   * As {@link #prefixRewardModel(Optional, Path)}, but a reward already in {@code loaded} for the same
   * {@code reward} and {@code rewardLabel} is used again, and one loaded here is added to it: the
   * policies of one server share each reward model instead of loading it once per policy. The
   * caller closes what {@code loaded} holds.
   *
   * @throws IOException as {@link #prefixRewardModel(Optional, Path)}
   */
  static Optional<RewardModel> prefixRewardModel(Optional<CliFile> file, Path directory,
      Map<String, RewardModel> loaded) throws IOException {
    if (file.isEmpty() || !file.get().prefixReward || file.get().reward.isEmpty()) {
      return prefixRewardModel(file, directory);
    }
    String key = file.get().reward.get() + "\u0000" + file.get().rewardLabel.map(String::valueOf).orElse("");
    RewardModel known = loaded.get(key);
    if (known != null) {
      return Optional.of(known);
    }
    Optional<RewardModel> fresh = prefixRewardModel(file, directory);
    fresh.ifPresent(r -> loaded.put(key, r));
    return fresh;
  }

  private Optional<RewardModel> prefixRewardModel(Path directory) throws IOException {
    if (!prefixReward) {
      return Optional.empty();
    }
    if (reward.isEmpty()) {
      throw new IOException(directory.resolve(NAME) + ": \"prefixReward\" is true but no \"reward\" is named");
    }
    try {
      return Optional.of(Rewards.parse(reward.get(), rewardLabel));
    } catch (UsageError e) {
      throw new IOException(directory.resolve(NAME) + ": \"reward\" " + reward.get() + ", which the value heads read, "
          + "cannot be loaded: " + e.getMessage(), e);
    }
  }

  /**
   * Reads the file of {@code directory}, if there is one.
   *
   * @throws IOException with a one-line message naming the file if it is not an object of the
   *     expected fields
   */
  static Optional<CliFile> read(Path directory) throws IOException {
    Path file = directory.resolve(NAME);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": not valid JSON: " + JsonErrors.describe(e), e);
    }
    if (root == null || !root.isObject() || !root.path("model").isTextual()) {
      throw new IOException(file + ": expected a JSON object with a \"model\" string, as iro align writes");
    }
    Optional<Integer> label = root.path("rewardLabel").isIntegralNumber()
        ? Optional.of(root.get("rewardLabel").asInt()) : Optional.empty();
    Path model;
    try {
      model = Path.of(root.get("model").asText());
    } catch (InvalidPathException e) {
      throw new IOException(file + ": \"model\" is not a path: " + e.getMessage(), e);
    }
    Optional<String> reward = root.path("reward").isTextual() ? Optional.of(root.get("reward").asText()) : Optional.empty();
    String features = root.path("hiddenFeatures").asText(HiddenFeatures.LAST.name());
    HiddenFeatures kind;
    try {
      kind = HiddenFeatures.valueOf(features);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": \"hiddenFeatures\" is \"" + features + "\", expected one of "
          + java.util.Arrays.toString(HiddenFeatures.values()), e);
    }
    return Optional.of(new CliFile(model, root.path("device").asText("cpu"), reward, label,
        root.path("chat").asBoolean(false), kind, root.path("prefixReward").asBoolean(false)));
  }
}
