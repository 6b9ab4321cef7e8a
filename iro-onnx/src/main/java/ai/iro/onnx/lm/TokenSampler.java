package ai.iro.onnx.lm;

import ai.iro.core.model.Sampling;
import ai.iro.core.model.NextTokenDistribution;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Turns one row of logits into the sampling distribution of a {@link Sampling} and draws from it:
 * greedy (temperature 0) takes the arg max; with a top-k cut or top-p below 1, the top-k logits are
 * chosen by partial selection (a histogram narrows the field to about k candidates, which are
 * sorted; a size-k heap over every token where it cannot), softmax at the temperature
 * is taken over them, and the shortest most-likely prefix whose mass reaches top-p is kept and
 * renormalised; with neither, the softmax over the whole vocabulary is sampled in token order,
 * without sorting at all.
 *
 * <p>NaN logits count as negative infinity; +infinity logits share the mass equally; ties go to the
 * lower token id. A row whose logits are all NaN or -infinity is an error. Holds scratch buffers:
 * one instance per decoding, not thread safe.
 */
final class TokenSampler {
  /** The histogram pre-selection runs only when the vocabulary has at least this many tokens per kept one. */
  private static final int MIN_TOKENS_PER_KEPT = 4;
  /** Histogram buckets of the pre-selection. */
  private static final int BUCKETS = 256;
  /** The histogram spans at most this many logits below the largest; lower ones share bucket 0. */
  private static final float RANGE = 64;
  private final boolean greedy;
  /** Neither top-k nor top-p cuts: the whole softmax, in token order. */
  private final boolean whole;
  private final double inverseTemperature;
  private final double topP;
  private final int width;
  private final int[] heap;
  /** Token ids that may be among the top k, in id order (see {@link #collectCandidates}). */
  private final int[] candidates;
  /** The candidates as packed (key, id) longs, for sorting. */
  private final long[] packed;
  private final int[] histogram = new int[BUCKETS];
  private final int[] order;
  private final double[] probs;
  private int[] candidateHeap = new int[0];
  private int size;
  private int lastPositive;

  TokenSampler(Sampling sampling, int width) {
    Preconditions.checkArgument(width >= 1, "the vocabulary must have at least one token, found %s", width);
    this.greedy = sampling.isGreedy();
    this.inverseTemperature = greedy ? 0 : 1.0 / sampling.temperature();
    this.topP = sampling.topP();
    this.width = width;
    int k = greedy ? 1 : sampling.topK() == 0 ? width : Math.min(sampling.topK(), width);
    this.whole = !greedy && k == width && topP >= 1;
    this.heap = new int[whole ? 0 : k];
    this.candidates = new int[whole || greedy ? 0 : width];
    this.packed = new long[whole || greedy ? 0 : width];
    this.order = new int[whole ? 0 : k];
    this.probs = new double[k];
  }

  /**
   * The number of entries of the prepared distribution: the tokens kept, most likely first, or,
   * without any cut, every token in id order (some with probability 0).
   */
  int size() {
    return size;
  }

  /** The token of entry {@code i} of the prepared distribution. */
  int token(int i) {
    return whole ? i : order[i];
  }

  /** The probability of entry {@code i} of the prepared distribution. */
  double probability(int i) {
    return probs[i];
  }

  /**
   * The prepared distribution's {@code max} most likely tokens with positive probability, most
   * likely first, with their log-probabilities.
   */
  NextTokenDistribution candidates(int max) {
    int n;
    int[] tokens;
    if (!whole) {
      n = Math.min(max, size);
      tokens = Arrays.copyOf(order, n);
    } else {
      n = selectMostLikely(Math.min(max, width));
      tokens = Arrays.copyOf(candidateHeap, n);
    }
    double[] logProbs = new double[n];
    for (int i = 0; i < n; i++) {
      logProbs[i] = Math.log(probs[whole ? tokens[i] : i]);
    }
    return new NextTokenDistribution(tokens, logProbs);
  }

  /**
   * Computes the sampling distribution of {@code logits[0 .. width)} into this sampler's buffers.
   *
   * @throws IllegalStateException if every logit is NaN or -infinity
   */
  void prepare(float[] logits) {
    if (greedy) {
      int best = -1;
      float bestKey = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < width; i++) {
        // NaN > bestKey is false: NaN never wins; -infinity never wins either.
        if (logits[i] > bestKey) {
          best = i;
          bestKey = logits[i];
        }
      }
      if (best < 0) {
        throw noFiniteLogit();
      }
      order[0] = best;
      probs[0] = 1;
      size = 1;
      return;
    }
    if (whole) {
      prepareWhole(logits);
      return;
    }
    int n = selectTopK(logits);
    double max = key(logits[order[0]]);
    if (max == Double.NEGATIVE_INFINITY) {
      throw noFiniteLogit();
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double key = key(logits[order[i]]);
      probs[i] = max == Double.POSITIVE_INFINITY
          ? (key == max ? 1 : 0)
          : Math.exp((key - max) * inverseTemperature);
      sum += probs[i];
    }
    int kept = n;
    double cumulative = 0;
    for (int i = 0; i < n; i++) {
      probs[i] /= sum;
      cumulative += probs[i];
      if (cumulative >= topP && kept == n) {
        kept = i + 1;
      }
    }
    while (kept > 1 && probs[kept - 1] == 0) {
      kept--;
    }
    double mass = 0;
    for (int i = 0; i < kept; i++) {
      mass += probs[i];
    }
    for (int i = 0; i < kept; i++) {
      probs[i] /= mass;
    }
    size = kept;
  }

  /** The softmax over every token, in token order: no selection, no sort. */
  private void prepareWhole(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < width; i++) {
      max = Math.max(max, key(logits[i]));
    }
    if (max == Double.NEGATIVE_INFINITY) {
      throw noFiniteLogit();
    }
    double sum = 0;
    for (int i = 0; i < width; i++) {
      double key = key(logits[i]);
      probs[i] = max == Double.POSITIVE_INFINITY ? (key == max ? 1 : 0) : Math.exp((key - max) * inverseTemperature);
      sum += probs[i];
    }
    for (int i = 0; i < width; i++) {
      probs[i] /= sum;
      if (probs[i] > 0) {
        lastPositive = i;
      }
    }
    size = width;
  }

  /** Draws a token from the prepared distribution with one uniform number from {@code random}. */
  int draw(RandomGenerator random) {
    if (size == 1) {
      return token(0);
    }
    double u = random.nextDouble();
    for (int i = 0; i < size; i++) {
      u -= probs[i];
      if (u < 0) {
        return token(i);
      }
    }
    return whole ? lastPositive : order[size - 1];
  }

  /**
   * Without cuts: puts the {@code m} most probable tokens with positive probability into
   * {@code candidateHeap[0 .. n)}, most likely first, by partial selection; returns n.
   */
  private int selectMostLikely(int m) {
    if (candidateHeap.length < m) {
      candidateHeap = new int[m];
    }
    int[] h = candidateHeap;
    int n = 0;
    for (int i = 0; i < width; i++) {
      if (probs[i] <= 0) {
        continue;
      }
      if (n < m) {
        h[n] = i;
        for (int c = n++; c > 0; ) {
          int parent = (c - 1) >>> 1;
          if (!moreLikely(h[parent], h[c])) {
            break;
          }
          swap(h, parent, c);
          c = parent;
        }
      } else if (moreLikely(i, h[0])) {
        h[0] = i;
        siftDownByProbability(h, 0, n);
      }
    }
    int[] sorted = new int[n];
    for (int end = n - 1; end >= 0; end--) {
      sorted[end] = h[0];
      h[0] = h[end];
      siftDownByProbability(h, 0, end);
    }
    System.arraycopy(sorted, 0, h, 0, n);
    return n;
  }

  private boolean moreLikely(int a, int b) {
    return probs[a] > probs[b] || (probs[a] == probs[b] && a < b);
  }

  private void siftDownByProbability(int[] h, int i, int n) {
    while (true) {
      int l = 2 * i + 1;
      if (l >= n) {
        return;
      }
      int worst = l;
      if (l + 1 < n && moreLikely(h[l], h[l + 1])) {
        worst = l + 1;
      }
      if (!moreLikely(h[i], h[worst])) {
        return;
      }
      swap(h, i, worst);
      i = worst;
    }
  }

  private static IllegalStateException noFiniteLogit() {
    return new IllegalStateException("every logit of the row is NaN or -infinity; nothing can be sampled");
  }

  /**
   * Fills {@code order[0 .. k)} with the k best tokens, best first; returns k.
   *
   * <p>Usually three linear passes narrow the field to a few more than k candidates
   * (see {@link #collectCandidates}), which are sorted as packed {@code (key, id)} longs. When the
   * histogram cannot narrow the field, a size-k heap runs over every token.
   */
  private int selectTopK(float[] logits) {
    int k = heap.length;
    int c = collectCandidates(logits, k);
    if (c < 0) {
      return heapSelect(logits, k);
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
  private int heapSelect(float[] logits, int k) {
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

  private static float key(float logit) {
    return Float.isNaN(logit) ? Float.NEGATIVE_INFINITY : logit;
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

  private static void swap(int[] h, int a, int b) {
    int t = h[a];
    h[a] = h[b];
    h[b] = t;
  }
}
