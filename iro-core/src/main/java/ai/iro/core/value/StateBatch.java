package ai.iro.core.value;

import com.google.common.collect.ImmutableList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * States scored together. Value functions read the batch's features through
 * {@link #features(FeatureSource)}, so that heads sharing a feature source compute them once. The
 * states are immutable; the features are computed on first use, and a batch is not thread safe.
 */
public final class StateBatch {
  private final ImmutableList<State> states;
  private final Map<String, float[][]> features = new HashMap<>();

  /** Creates a batch of the given states. */
  public StateBatch(List<State> states) {
    this.states = ImmutableList.copyOf(states);
  }

  /**
   * A batch whose features from {@code source} are already known, for example computed for
   * training: value functions reading {@code source} (or another source with its id) get these rows
   * instead of computing them, whatever features the states carry.
   *
   * @param rows one row of {@code source.dimension()} values per state, not copied: do not modify
   * @throws IllegalArgumentException if the rows are not one per state of the source's dimension
   */
  public static StateBatch withFeatures(List<State> states, FeatureSource source, float[][] rows) {
    StateBatch batch = new StateBatch(states);
    if (rows.length != batch.size()) {
      throw new IllegalArgumentException(rows.length + " feature rows for " + batch.size() + " states");
    }
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] == null || rows[i].length != source.dimension()) {
        throw new IllegalArgumentException("feature row " + i + " has " + (rows[i] == null ? "no" : rows[i].length)
            + " values, expected " + source.dimension() + " for " + source.id());
      }
    }
    batch.features.put(source.id(), rows);
    return batch;
  }

  /** The states. */
  public List<State> states() {
    return states;
  }

  /** The number of states. */
  public int size() {
    return states.size();
  }

  /** State {@code i}. */
  public State get(int i) {
    return states.get(i);
  }

  /**
   * The features of this batch's states from {@code source}: {@link FeatureSource#compute} runs at
   * most once per batch for all sources with the same {@link FeatureSource#id()}. The rows are
   * shared with every caller: do not modify them.
   *
   * @throws IllegalStateException if the source returns a number of rows other than {@link #size()}
   */
  public float[][] features(FeatureSource source) {
    float[][] rows = features.get(source.id());
    if (rows == null) {
      rows = source.compute(this);
      if (rows == null || rows.length != states.size()) {
        throw new IllegalStateException("feature source " + source.id() + " returned "
            + (rows == null ? "no rows" : rows.length + " rows") + " for " + states.size() + " states");
      }
      features.put(source.id(), rows);
    }
    return rows;
  }
}
