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
