package ai.iro.core.search;

/**
 * Where a search spent its wall time, in nanoseconds. Immutable and thread safe.
 *
 * @param modelNanos extending rows: model forward passes and token sampling
 * @param samplingNanos the part of {@code modelNanos} spent choosing tokens from the model's
 *     outputs, as the {@link ai.iro.core.model.Decoding#samplingNanos() decoding} measured it; 0
 *     when it does not measure it
 * @param valueNanos scoring states with the value stack (features included)
 * @param resampleNanos choosing survivors
 * @param reorderNanos forking and reordering rows (cache gathers)
 * @param rewardNanos scoring finals with the reward model
 * @param totalNanos the whole search
 */
public record SearchTimings(long modelNanos, long samplingNanos, long valueNanos, long resampleNanos,
    long reorderNanos, long rewardNanos, long totalNanos) {

  /** The part of {@link #modelNanos()} that is not sampling: the forward passes and their set-up. */
  public long forwardNanos() {
    return modelNanos - samplingNanos;
  }
}
