package ai.iro.examples.cli;

import ai.iro.core.reward.RewardModel;
import ai.iro.examples.reward.AfinnReward;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Turns the {@code --reward} argument into a reward model. */
final class Rewards {
  private Rewards() {}

  /**
   * {@code afinn}, or the name of a class implementing {@link RewardModel} with a public no-argument
   * constructor.
   *
   * @throws IllegalArgumentException naming the argument when it is none of these
   */
  static RewardModel parse(String spec) {
    if (spec.equals("afinn")) {
      return AfinnReward.load();
    }
    if (Files.isDirectory(Path.of(spec))) {
      throw new IllegalArgumentException("--reward " + spec + ": ONNX reward-model directories are not supported by this "
          + "build yet; use afinn or a RewardModel class name");
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
