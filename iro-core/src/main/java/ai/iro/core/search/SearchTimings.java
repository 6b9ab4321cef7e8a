package ai.iro.core.search;

/**
 * Where a search spent its wall time, in nanoseconds.
 *
 * @param modelNanos extending rows: model forward passes and token sampling
 * @param valueNanos scoring states with the value stack (features included)
 * @param resampleNanos choosing survivors
 * @param reorderNanos forking and reordering rows (cache gathers)
 * @param rewardNanos scoring finals with the reward model
 * @param totalNanos the whole search
 */
public record SearchTimings(
    long modelNanos, long valueNanos, long resampleNanos, long reorderNanos, long rewardNanos, long totalNanos) {}
