package ai.iro.onnx.lm.internal;

import java.util.Arrays;

/**
 * Finds the k largest logits of a row, best first, without sorting the vocabulary: a histogram
 * narrows the field to about k candidates, which are sorted as packed {@code (key, id)} longs; where
 * the histogram cannot help, a size-k heap runs over every token. NaN counts as -infinity and ties
 * go to the lower token id. Holds scratch buffers: one instance per {@link TokenSampler}, not thread
 * safe.
 */
final class TopKSelector {
  /** The histogram pre-selection runs only when the vocabulary has at least this many tokens per kept one. */
  private static final int MIN_TOKENS_PER_KEPT = 4;
  /** Histogram buckets of the pre-selection. */
  private static final int BUCKETS = 256;
  /** The histogram spans at most this many logits below the largest; lower ones share bucket 0. */
  private static final float RANGE = 64;

  private final int width;
  private final int[] heap;
  /** Token ids that may be among the top k, in id order (see {@link #collectCandidates}). */
  private final int[] candidates;
  /** The candidates as packed (key, id) longs, for sorting. */
  private final long[] packed;
  private final int[] histogram = new int[BUCKETS];

  /**
   * A selector of the {@code k} best of {@code width} logits.
   *
   * @param k how many tokens to keep, in {@code [1, width]}
   * @param width the vocabulary size
   */
  TopKSelector(int k, int width) {
    this.width = width;
    this.heap = new int[k];
    this.candidates = new int[width];
    this.packed = new long[width];
  }

  /** The logit's sort key: NaN counts as -infinity. */
  static float key(float logit) {
    return Float.isNaN(logit) ? Float.NEGATIVE_INFINITY : logit;
  }

  /**
   * Fills {@code order[0 .. k)} with the k best tokens, best first; returns k.
   *
   * <p>Usually three linear passes narrow the field to a few more than k candidates
   * (see {@link #collectCandidates}), which are sorted as packed {@code (key, id)} longs. When the
   * histogram cannot narrow the field, a size-k heap runs over every token.
   */
  int select(float[] logits, int[] order) {
    int k = heap.length;
    int c = collectCandidates(logits, k);
    if (c < 0) {
      return heapSelect(logits, k, order);
    }
    long[] p = packed;
    int[] ids = candidates;
    for (int j = 0; j < c; j++) {
      p[j] = pack(logits[ids[j]], ids[j]);
    }
    Arrays.sort(p, 0, c);
    for (int i = 0; i < k; i++) {
      order[i] = unpackId(p[c - 1 - i]);
    }
    return k;
  }

  /**
   * Puts the ids of every token whose logit falls in the top buckets of a histogram holding at
   * least k tokens into {@code candidates}, in id order, and returns how many; or returns -1 when
   * the histogram cannot help (k is a large part of the vocabulary, the largest logit is not
   * finite, every logit is equal, or the k-th largest lies in the lowest bucket, which also holds
   * NaN and -infinity). The buckets split {@code [lo, max]}, {@code lo = max(min, max - RANGE)};
   * a token's bucket never decreases with its logit and equal logits share a bucket, so the
   * candidates contain the k best tokens together with every tie of the k-th.
   */
  private int collectCandidates(float[] logits, int k) {
    if (MIN_TOKENS_PER_KEPT * k > width) {
      return -1;
    }
    float max = Float.NEGATIVE_INFINITY;
    float min = Float.POSITIVE_INFINITY;
    for (int i = 0; i < width; i++) {
      float x = logits[i];
      max = x > max ? x : max; // NaN is neither the max nor the min
      min = x < min ? x : min;
    }
    float lo = Math.max(min, max - RANGE);
    if (!(max < Float.POSITIVE_INFINITY) || max == Float.NEGATIVE_INFINITY || !(max > lo)) {
      return -1;
    }
    float scale = (BUCKETS - 1) / (max - lo);
    int[] h = histogram;
    Arrays.fill(h, 0);
    for (int i = 0; i < width; i++) {
      h[bucket(logits[i], lo, scale)]++;
    }
    int count = 0;
    int top = BUCKETS - 1;
    for (; top > 0; top--) {
      count += h[top];
      if (count >= k) {
        break;
      }
    }
    if (top == 0) {
      return -1;
    }
    int[] ids = candidates;
    int c = 0;
    for (int i = 0; i < width; i++) {
      if (bucket(logits[i], lo, scale) >= top) { // rarely taken: well predicted
        ids[c++] = i;
      }
    }
    return c;
  }

  /** The histogram bucket of a logit: monotone, NaN and anything below lo in bucket 0. */
  private static int bucket(float x, float lo, float scale) {
    // (int) NaN is 0 and (int) -infinity is Integer.MIN_VALUE: both land in bucket 0.
    return Math.min(BUCKETS - 1, Math.max(0, (int) ((x - lo) * scale)));
  }

  /**
   * A long whose natural order is the order of a finite logit, then of the id reversed: the
   * largest long is the best token (ties to the lower id).
   */
  private static long pack(float logit, int id) {
    int bits = Float.floatToRawIntBits(logit + 0.0f); // -0.0 becomes 0.0: they are equal keys
    int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
    return ((long) sortable << 32) | (0xffffffffL - id);
  }

  private static int unpackId(long packedKey) {
    return (int) (0xffffffffL - (packedKey & 0xffffffffL));
  }

  /**
   * The k best tokens over the whole vocabulary with a size-k heap, into {@code order}; returns k.
   * Tokens are visited in id order, so a token whose key only equals the root's never ranks above
   * it: one float comparison against the root's key rejects most of them.
   */
  private int heapSelect(float[] logits, int k, int[] order) {
    int[] h = heap;
    for (int i = 0; i < k; i++) {
      h[i] = i;
      siftUp(logits, i);
    }
    float root = key(logits[h[0]]);
    for (int i = k; i < width; i++) {
      // NaN > root is false: NaN counts as -infinity, which never beats the root's key or id.
      if (logits[i] > root) {
        h[0] = i;
        siftDown(logits, 0, k);
        root = key(logits[h[0]]);
      }
    }
    for (int end = k - 1; end >= 0; end--) {
      order[end] = h[0];
      h[0] = h[end];
      siftDown(logits, 0, end);
    }
    return k;
  }

  /** Whether token a ranks above token b: a larger logit, or an equal one and a lower id. */
  private static boolean better(float[] logits, int a, int b) {
    float ka = key(logits[a]);
    float kb = key(logits[b]);
    return ka > kb || (ka == kb && a < b);
  }

  // The heap is a min-heap under better(): its root is the worst of the kept tokens.
  private void siftUp(float[] logits, int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (better(logits, heap[parent], heap[i])) {
        swap(heap, parent, i);
        i = parent;
      } else {
        return;
      }
    }
  }

  private void siftDown(float[] logits, int i, int n) {
    while (true) {
      int l = 2 * i + 1;
      if (l >= n) {
        return;
      }
      int worst = l;
      if (l + 1 < n && better(logits, heap[l], heap[l + 1])) {
        worst = l + 1;
      }
      if (better(logits, heap[i], heap[worst])) {
        swap(heap, i, worst);
        i = worst;
      } else {
        return;
      }
    }
  }

  /** Swaps two entries of a heap array. */
  static void swap(int[] h, int a, int b) {
    int t = h[a];
    h[a] = h[b];
    h[b] = t;
  }
}
