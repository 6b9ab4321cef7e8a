package ai.iro.examples.cli;

import ai.iro.core.reward.RewardModel;
import ai.iro.examples.reward.AfinnReward;
import ai.iro.onnx.reward.OnnxRewardModel;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** Turns the {@code --reward} argument into a reward model. */
final class Rewards {
  private Rewards() {}

  /**
   * The {@code --reward} text as {@code cli.json} keeps it: an ONNX reward-model directory as its
   * absolute path (so that {@code iro generate} and {@code iro serve} find it from any directory),
   * anything else as given.
   */
  static String recordable(String spec) {
    try {
      Path dir = Path.of(spec);
      if (!spec.equals("afinn") && Files.isDirectory(dir)) {
        return dir.toAbsolutePath().normalize().toString();
      }
    } catch (InvalidPathException e) {
      // Not a path: kept as given.
    }
    return spec;
  }

  /** Closes the reward models that hold native resources (ONNX ones); the first failure is rethrown after all. */
  static void closeAll(java.util.Collection<? extends RewardModel> rewards) {
    RuntimeException failure = null;
    for (RewardModel r : rewards) {
      if (r instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          if (failure == null) {
            failure = new IllegalStateException("closing reward model " + r + " failed: " + e.getMessage(), e);
          }
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /**
   * {@code afinn}; a directory holding a sequence-classification ONNX export ({@code model.onnx},
   * {@code tokenizer.json}; {@code label} picks the logit, long inputs keep their end); or the name of
   * a class implementing {@link RewardModel} with a public no-argument constructor.
   *
   * @throws UsageError naming the argument when it is none of these, or a label is given for a
   *     reward that has none
   * @throws IllegalArgumentException if an ONNX reward model cannot be loaded (the message names the file)
   * @throws IllegalStateException if a reward class's constructor fails
   */
  static RewardModel parse(String spec, java.util.Optional<Integer> label) {
    Path dir = null;
    try {
      dir = Path.of(spec);
    } catch (InvalidPathException e) {
      // Not a path: a class name or a mistake, told apart below.
    }
    boolean onnx = !spec.equals("afinn") && dir != null && Files.isDirectory(dir);
    if (label.isPresent() && !onnx) {
      throw new UsageError("--reward-label " + label.get() + ": only an ONNX reward-model directory has labels, and "
          + "--reward " + spec + " is not a directory");
    }
    if (spec.equals("afinn")) {
      return AfinnReward.load();
    }
    if (onnx) {
      Path model = dir.resolve("model.onnx");
      Path tokenizer = dir.resolve("tokenizer.json");
      if (!Files.isRegularFile(model) || !Files.isRegularFile(tokenizer)) {
        throw new UsageError("--reward " + spec + ": an ONNX reward-model directory needs model.onnx and "
            + "tokenizer.json (a sequence-classification export)");
      }
      OnnxRewardModel.Builder b = OnnxRewardModel.builder().modelFile(model).tokenizerFile(tokenizer)
          .truncation(OnnxRewardModel.Truncation.TRUNCATE_LEFT);
      label.ifPresent(l -> UsageError.check("--reward-label", () -> b.labelIndex(l)));
      return b.build();
    }
    Class<?> type;
    try {
      type = Class.forName(spec, false, Rewards.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new UsageError("--reward " + spec + ": expected afinn, an ONNX reward-model directory or the name of a "
          + "RewardModel class on the classpath, but there is no such directory or class");
    }
    if (!RewardModel.class.isAssignableFrom(type)) {
      throw new UsageError("--reward " + spec + ": class does not implement " + RewardModel.class.getName());
    }
    try {
      return (RewardModel) type.getDeclaredConstructor().newInstance();
    } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
      throw new UsageError("--reward " + spec + ": needs a public no-argument constructor", e);
    } catch (InvocationTargetException e) {
      throw new IllegalStateException("--reward " + spec + ": constructor failed: " + e.getCause(), e.getCause());
    }
  }
}
