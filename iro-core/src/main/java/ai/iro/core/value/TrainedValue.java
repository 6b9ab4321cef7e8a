package ai.iro.core.value;

import java.util.Objects;

/**
 * What a {@link ValueTrainer} returns: the fitted value function and its final training loss.
 * Immutable; as thread safe as its function.
 *
 * @param function the value function
 * @param loss the final training loss (mean squared error unless the trainer says otherwise)
 */
public record TrainedValue(ValueFunction function, double loss) {
  /** Validates the fields. */
  public TrainedValue {
    Objects.requireNonNull(function, "function");
  }
}
