package ai.iro.core.value;

import com.google.common.collect.ImmutableList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * States scored together, with a memo so that value functions sharing a feature source compute
 * the features of the batch once. The states are immutable; the memo is filled on first use and
 * is not thread safe.
 */
public final class StateBatch {
  private final ImmutableList<State> states;
  private final Map<Object, Object> memo = new HashMap<>();

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
   * Returns what {@code compute} gives for this batch, computing it at most once per key. Feature
   * sources use themselves (or an equal key) as the key.
   *
   * @param key identifies the computation
   * @param type the result's type
   * @param compute computes the result from this batch
   */
  public <T> T shared(Object key, Class<T> type, Function<StateBatch, ? extends T> compute) {
    Object value = memo.get(key);
    if (value == null) {
      value = compute.apply(this);
      memo.put(key, value);
    }
    return type.cast(value);
  }
}
