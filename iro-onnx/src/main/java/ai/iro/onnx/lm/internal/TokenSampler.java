package ai.iro.onnx.lm.internal;

import ai.iro.core.model.Sampling;
import ai.iro.core.model.NextTokenDistribution;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Turns one row of logits into the sampling distribution of a {@link Sampling} and draws from it:
 * greedy (temperature 0) takes the arg max; with a top-k cut or top-p below 1, the top-k logits are
 * chosen by partial selection ({@link TopKSelector}), softmax at the temperature is taken over them,
 * and the shortest most-likely prefix whose mass reaches top-p is kept and renormalised; with
 * neither, the softmax over the whole vocabulary is sampled in token order, without sorting at all.
 *
 * <p>NaN logits count as negative infinity; +infinity logits share the mass equally; ties go to the
 * lower token id. A row whose logits are all NaN or -infinity is an error. Holds scratch buffers:
 * one instance per decoding, not thread safe.
 *
 * <p>Not API (see the {@linkplain ai.iro.onnx.lm.internal package}): public for the decoding in
 * {@code ai.iro.onnx.lm} and for {@code ai.iro.bench.TokenSamplerBenchmark}.
 */
public final class TokenSampler {
  private final boolean greedy;
  /** Neither top-k nor top-p cuts: the whole softmax, in token order. */
  private final boolean whole;
  private final double inverseTemperature;
  private final double topP;
  private final int width;
  /** Chooses the top k; absent (null) when greedy or whole, which never select. */
  private final TopKSelector topK;
  private final int[] order;
  private final double[] probs;
  private int[] candidateHeap = new int[0];
  private int size;
  private int lastPositive;

  /**
   * A sampler of rows of {@code width} logits.
   *
   * @param sampling the temperature, top-k and top-p
   * @param width the vocabulary size, at least 1
   * @throws IllegalArgumentException if {@code width} is below 1
   */
  public TokenSampler(Sampling sampling, int width) {
    Preconditions.checkArgument(width >= 1, "the vocabulary must have at least one token, found %s", width);
    this.greedy = sampling.isGreedy();
    this.inverseTemperature = greedy ? 0 : 1.0 / sampling.temperature();
    this.topP = sampling.topP();
    this.width = width;
    int k = greedy ? 1 : sampling.topK() == 0 ? width : Math.min(sampling.topK(), width);
    this.whole = !greedy && k == width && topP >= 1;
    this.topK = whole || greedy ? null : new TopKSelector(k, width);
    this.order = new int[whole ? 0 : k];
    this.probs = new double[k];
  }

  /**
   * The number of entries of the prepared distribution: the tokens kept, most likely first, or,
   * without any cut, every token in id order (some with probability 0).
   */
  public int size() {
    return size;
  }

  /** The token of entry {@code i} of the prepared distribution. */
  public int token(int i) {
    return whole ? i : order[i];
  }

  /** The probability of entry {@code i} of the prepared distribution. */
  public double probability(int i) {
    return probs[i];
  }

  /**
   * The prepared distribution's {@code max} most likely tokens with positive probability, most
   * likely first, with their log-probabilities.
   */
  public NextTokenDistribution candidates(int max) {
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
  public void prepare(float[] logits) {
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
    int n = topK.select(logits, order);
    double max = TopKSelector.key(logits[order[0]]);
    if (max == Double.NEGATIVE_INFINITY) {
      throw noFiniteLogit();
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      double key = TopKSelector.key(logits[order[i]]);
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
      max = Math.max(max, TopKSelector.key(logits[i]));
    }
    if (max == Double.NEGATIVE_INFINITY) {
      throw noFiniteLogit();
    }
    double sum = 0;
    for (int i = 0; i < width; i++) {
      double key = TopKSelector.key(logits[i]);
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
  public int draw(RandomGenerator random) {
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
          TopKSelector.swap(h, parent, c);
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
      TopKSelector.swap(h, i, worst);
      i = worst;
    }
  }

  private static IllegalStateException noFiniteLogit() {
    return new IllegalStateException("every logit of the row is NaN or -infinity; nothing can be sampled");
  }
}
