package ai.iro.examples.eval;

import ai.iro.core.reward.RewardModel;
import com.google.common.base.Preconditions;
import java.util.Objects;

/**
 * An evaluation task: a reward and what shape it has. A task whose reward holds native resources
 * (an ONNX reward model) closes them in {@link #close()}; closing is idempotent as far as the
 * reward's own {@code close} is. Immutable; as thread safe as its reward.
 *
 * @param name a short name, as on the command line ({@code sentiment}); letters, digits and {@code -}
 * @param reward the reward that aligns and judges
 * @param shape what the reward's values look like (range, density), for the report
 */
public record Task(String name, RewardModel reward, String shape) implements AutoCloseable {
  /** Validates the fields. */
  public Task {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(reward, "reward");
    Objects.requireNonNull(shape, "shape");
    Preconditions.checkArgument(name.matches("[A-Za-z0-9-]+"),
        "a task name is letters, digits and '-', found \"%s\"", name);
  }

  /** Closes the reward if it is {@link AutoCloseable}. */
  @Override
  public void close() {
    if (reward instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot close the reward of task " + name + ": " + e.getMessage(), e);
      }
    }
  }
}
