package ai.iro.core.value;

import java.util.List;

/**
 * Fits a fresh value function from examples: each example's prefix states, all with the example's
 * reward as target.
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
}
