package ai.iro.core.value;

/**
 * Estimates the final reward expected from a state (a prompt plus a partial response) when
 * decoding continues with the current policy. Scores many states per call.
 *
 * <p>To be saved inside an {@code AlignedPolicy} an implementation also implements
 * {@link SavableValueFunction}.
 */
@FunctionalInterface
public interface ValueFunction {

  /**
   * Scores states.
   *
   * @param states the states
   * @return one value per state, in order
   */
  double[] values(StateBatch states);
}
