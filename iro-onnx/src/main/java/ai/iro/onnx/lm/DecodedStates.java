package ai.iro.onnx.lm;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The hidden states that decodings of one model computed for the responses they ended with, kept
 * so that {@link OnnxCausalLM#prefixFeatures(java.util.List, java.util.List)} of those responses
 * (value training right after the search that sampled them) needs no forward pass. A decoding
 * hands over each row that has finished, when a reorder drops it or the decoding closes
 * ({@link #put}); the states of a response are taken out once per copy ({@link #take}).
 *
 * <p>What is taken never depends on what the model decoded before: a response handed over again
 * by another decoding replaces the states kept for it (its copies count again from one), so a
 * response's states are always those of the last decoding that produced it, and the store keeps
 * the newest responses. At most {@link #maxBytes()} of hidden states are kept: past it the oldest
 * responses are dropped, and their features are then computed by a forward pass as if they had
 * never been kept. Thread safe.
 */
final class DecodedStates {
  /** Kept states: none. */
  static final DecodedStates NONE = new DecodedStates(0);

  private final long maxBytes;
  private final LinkedHashMap<Key, Entry> kept = new LinkedHashMap<>();
  private long bytes;
  private long hits;
  private long misses;
  private long dropped;

  /**
   * @param maxBytes the most bytes of hidden states kept; 0 keeps none
   */
  DecodedStates(long maxBytes) {
    Preconditions.checkArgument(maxBytes >= 0, "maxBytes must not be negative, found %s", maxBytes);
    this.maxBytes = maxBytes;
  }

  /** Whether decodings should record their hidden states for this store. */
  boolean enabled() {
    return maxBytes > 0;
  }

  /** The most bytes of hidden states kept. */
  long maxBytes() {
    return maxBytes;
  }

  /** Whether the states of one response of {@code tokens} tokens, {@code width} values each, fit at all. */
  boolean fits(int tokens, int width) {
    return (long) (tokens + 1) * width * Float.BYTES <= maxBytes;
  }

  /**
   * Keeps the hidden states of one decoded response: row 0 after the prompt, row j after its j-th
   * response token. A response {@code decoding} handed over before is kept once more; one another
   * decoding handed over is replaced. Dropped at once if it does not fit.
   *
   * @param decoding names the decoding that computed them, compared by identity; kept with the
   *     states, so pass a small token rather than the decoding itself
   */
  synchronized void put(Object decoding, int[] promptIds, int[] response, float[][] hidden) {
    Preconditions.checkArgument(hidden.length == response.length + 1,
        "%s hidden states for a response of %s tokens, expected %s", hidden.length, response.length,
        response.length + 1);
    long size = sizeOf(hidden);
    Key key = new Key(promptIds.clone(), response.clone());
    Entry entry = kept.remove(key);
    Entry next;
    if (entry != null && entry.decoding == decoding) {
      next = new Entry(decoding, entry.hidden, entry.copies + 1);
    } else {
      if (entry != null) {
        bytes -= entry.bytes();
        dropped += entry.copies;
      }
      next = new Entry(decoding, hidden, 1);
    }
    if (next.bytes() > maxBytes) {
      // Not even this response's copies fit: the new copy goes, the earlier ones stay.
      dropped++;
      if (entry != null && entry.decoding == decoding) {
        kept.put(key, entry);
      }
      return;
    }
    // The newest end: the oldest responses are dropped first.
    kept.put(key, next);
    bytes += size;
    Iterator<Map.Entry<Key, Entry>> oldest = kept.entrySet().iterator();
    while (bytes > maxBytes && oldest.hasNext()) {
      Entry e = oldest.next().getValue();
      bytes -= e.bytes();
      dropped += e.copies;
      oldest.remove();
    }
  }

  /**
   * Takes out the hidden states of a kept response, an array of its own for each copy kept; null if
   * none is kept.
   */
  synchronized float[][] take(int[] promptIds, int[] response) {
    if (!enabled()) {
      return null;
    }
    Key key = new Key(promptIds, response);
    Entry entry = kept.get(key);
    if (entry == null) {
      misses++;
      return null;
    }
    hits++;
    bytes -= sizeOf(entry.hidden);
    if (entry.copies == 1) {
      kept.remove(key);
      return entry.hidden;
    }
    kept.put(key, new Entry(entry.decoding, entry.hidden, entry.copies - 1));
    float[][] copy = new float[entry.hidden.length][];
    for (int j = 0; j < copy.length; j++) {
      copy[j] = entry.hidden[j].clone();
    }
    return copy;
  }

  /** Puts back states {@link #take taken} but not used, as one more copy of what is kept for them. */
  private synchronized void giveBack(int[] promptIds, int[] response, float[][] hidden) {
    Key key = new Key(promptIds.clone(), response.clone());
    Entry entry = kept.get(key);
    hits--;
    bytes += sizeOf(hidden);
    kept.put(key, entry == null ? new Entry(null, hidden, 1) : new Entry(entry.decoding, entry.hidden, entry.copies + 1));
  }

  /** Computes the hidden states of the responses none was kept for. */
  @FunctionalInterface
  interface Pass {
    /**
     * @param promptIds the prompts' ids
     * @param responses their responses
     * @param names each response's index in the caller's list, for messages
     * @return per response, its length + 1 hidden states
     */
    List<float[][]> run(List<int[]> promptIds, List<int[]> responses, int[] names);
  }

  /**
   * The hidden states of each response: {@link #take taken} where kept, else from one call of
   * {@code pass} on the rest, in order.
   *
   * @throws IllegalArgumentException if the lists differ in size
   */
  List<float[][]> takeOrRun(List<int[]> promptIds, List<int[]> responses, Pass pass) {
    Preconditions.checkArgument(promptIds.size() == responses.size(),
        "%s prompts but %s responses; expected one response per prompt", promptIds.size(), responses.size());
    for (int i = 0; i < responses.size(); i++) {
      Objects.requireNonNull(responses.get(i), "response " + i);
    }
    float[][][] hidden = new float[promptIds.size()][][];
    List<Integer> rest = new ArrayList<>();
    for (int i = 0; i < hidden.length; i++) {
      hidden[i] = take(promptIds.get(i), responses.get(i));
      if (hidden[i] == null) {
        rest.add(i);
      }
    }
    boolean[] computedHere = new boolean[hidden.length];
    if (!rest.isEmpty()) {
      try {
        List<float[][]> computed = pass.run(rest.stream().map(promptIds::get).toList(),
            rest.stream().map(responses::get).toList(), rest.stream().mapToInt(Integer::intValue).toArray());
        for (int k = 0; k < rest.size(); k++) {
          hidden[rest.get(k)] = computed.get(k);
          computedHere[rest.get(k)] = true;
        }
      } catch (RuntimeException e) {
        // Nothing kept is lost to a pass that failed on another response.
        for (int i = 0; i < hidden.length; i++) {
          if (hidden[i] != null && !computedHere[i]) {
            giveBack(promptIds.get(i), responses.get(i), hidden[i]);
          }
        }
        throw e;
      }
    }
    return Arrays.asList(hidden);
  }

  /** The bytes of hidden states kept now. */
  synchronized long bytes() {
    return bytes;
  }

  /** Responses whose states were taken so far. */
  synchronized long hits() {
    return hits;
  }

  /** Lookups that found nothing so far. */
  synchronized long misses() {
    return misses;
  }

  /** Responses dropped so far: for room, or replaced by another decoding's. */
  synchronized long dropped() {
    return dropped;
  }

  private static long sizeOf(float[][] hidden) {
    return (long) hidden.length * (hidden.length == 0 ? 0 : hidden[0].length) * Float.BYTES;
  }

  /** What is kept for one response: the decoding that computed it, its states, and how many copies. */
  private record Entry(Object decoding, float[][] hidden, int copies) {
    long bytes() {
      return copies * sizeOf(hidden);
    }
  }

  /** A prompt's ids and a response's tokens, compared by content. */
  private record Key(int[] prompt, int[] response) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(prompt, k.prompt) && Arrays.equals(response, k.response);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(prompt) + Arrays.hashCode(response);
    }

    @Override
    public String toString() {
      return "Key[" + prompt.length + " prompt ids, " + response.length + " response tokens]";
    }
  }
}
