package ai.iro.core.value;

import ai.iro.core.internal.Identities;
import java.util.List;
import java.util.Optional;

/**
 * Fits a fresh value function from examples: each example's prefix states, all with the example's
 * reward as target. {@link ai.iro.core.Aligner} calls it on the aligning thread, one call at a
 * time; implementations need not be thread safe unless shared by concurrent alignments.
 */
public interface ValueTrainer {

  /**
   * Trains a new value function.
   *
   * @param examples the kept responses and their rewards, at least one
   * @param seed the seed of any randomness in training; the same seed and examples give the same
   *     function
   * @return the function and its training loss
   */
  TrainedValue train(List<ValueExample> examples, long seed);

  /**
   * Trains a new value function knowing the stack it will join, so that a trainer can start from
   * the previous iteration's function (warm start). {@link ai.iro.core.Aligner} calls this one.
   *
   * @param examples the kept responses and their rewards, at least one
   * @param previous the value functions of the earlier iterations, in order; empty in iteration 1
   * @param seed the seed of any randomness in training
   * @return the function and its training loss
   */
  default TrainedValue train(List<ValueExample> examples, ValueStack previous, long seed) {
    return train(examples, seed);
  }

  /**
   * A stable text of every setting that affects what this trainer trains (architecture, loss,
   * optimiser, schedule, features), so that a checkpointed run resumed with another trainer is
   * refused instead of stacking value functions of two configurations. Override it when instances
   * of one class can be configured differently.
   *
   * <p>Default: the class name for a named class; empty for lambdas, anonymous and local classes,
   * whose class names are not stable from one run to the next. A checkpointed
   * {@link ai.iro.core.Aligner} needs a description.
   */
  default Optional<String> describe() {
    return Identities.ofClass(getClass());
  }
}
