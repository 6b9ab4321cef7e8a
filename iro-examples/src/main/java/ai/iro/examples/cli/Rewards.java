package ai.iro.examples.cli;

import ai.iro.core.reward.RewardModel;
import ai.iro.examples.reward.AfinnReward;
import ai.iro.onnx.reward.OnnxRewardModel;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Turns the {@code --reward} argument into a reward model. */
final class Rewards {
  private Rewards() {}

  /**
   * {@code afinn}; a directory holding a sequence-classification ONNX export ({@code model.onnx},
   * {@code tokenizer.json}; {@code label} picks the logit, long inputs keep their end); or the name of
   * a class implementing {@link RewardModel} with a public no-argument constructor.
   *
   * @throws IllegalArgumentException naming the argument when it is none of these
   */
  static RewardModel parse(String spec, java.util.Optional<Integer> label) {
    if (spec.equals("afinn")) {
      return AfinnReward.load();
    }
    Path dir = Path.of(spec);
    if (Files.isDirectory(dir)) {
      Path model = dir.resolve("model.onnx");
      Path tokenizer = dir.resolve("tokenizer.json");
      if (!Files.isRegularFile(model) || !Files.isRegularFile(tokenizer)) {
        throw new IllegalArgumentException("--reward " + spec + ": an ONNX reward-model directory needs model.onnx and "
            + "tokenizer.json (a sequence-classification export)");
      }
      OnnxRewardModel.Builder b = OnnxRewardModel.builder().modelFile(model).tokenizerFile(tokenizer)
          .truncation(OnnxRewardModel.Truncation.TRUNCATE_LEFT);
      label.ifPresent(b::labelIndex);
      return b.build();
    }
    Class<?> type;
    try {
      type = Class.forName(spec);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("--reward " + spec + ": expected afinn or the name of a RewardModel class on "
          + "the classpath, but no such class was found");
    }
    if (!RewardModel.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException("--reward " + spec + ": class does not implement " + RewardModel.class.getName());
    }
    try {
      return (RewardModel) type.getDeclaredConstructor().newInstance();
    } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
      throw new IllegalArgumentException("--reward " + spec + ": needs a public no-argument constructor", e);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException("--reward " + spec + ": constructor failed: " + e.getCause(), e.getCause());
    }
  }
}
