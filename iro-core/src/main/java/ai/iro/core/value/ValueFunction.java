package ai.iro.core.value;

/**
 * Estimates the final reward expected from a state (a prompt plus a partial response) when
 * decoding continues with the current policy. Scores many states per call.
 *
 * <p>To be saved inside an {@code AlignedPolicy} an implementation also implements
 * {@link SavableValueFunction}.
 *
 * <p>Thread safety: an {@code AlignedPolicy} shared by several threads calls {@link #values} from
 * all of them at once, so implementations meant for that must be thread safe ({@code MlpValueHead}
 * is); a policy is only as thread safe as its value functions.
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
