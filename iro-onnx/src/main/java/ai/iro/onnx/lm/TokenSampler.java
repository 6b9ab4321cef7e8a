package ai.iro.onnx.lm;

import ai.iro.core.model.Sampling;
import java.util.random.RandomGenerator;

/**
 * Turns one row of logits into the sampling distribution of {@link Sampling} (temperature, then
 * top-k by partial selection, then top-p) and draws from it. Stateless apart from scratch buffers;
 * one instance per decoding thread.
 */
final class TokenSampler {
  private final Sampling sampling;
  private final int width;
  private int[] heap;
  private final double[] probs;
  private final int[] order;

  TokenSampler(Sampling sampling, int width) {
    this.sampling = sampling;
    this.width = width;
    int k = sampling.topK() == 0 ? width : Math.min(sampling.topK(), width);
    this.heap = new int[k];
    this.probs = new double[k];
    this.order = new int[k];
  }

  /** The kept candidates after {@link #prepare}: how many, their tokens and probabilities, most likely first. */
  int size;

  int token(int i) {
    return order[i];
  }

  double probability(int i) {
    return probs[i];
  }

  /** Computes the sampling distribution of {@code logits} into this sampler's buffers. */
  void prepare(float[] logits) {
    if (sampling.isGreedy()) {
      int best = 0;
      for (int i = 1; i < width; i++) {
        if (logits[i] > logits[best]) {
          best = i;
        }
      }
      order[0] = best;
      probs[0] = 1;
      size = 1;
      return;
    }
    int k = heap.length;
    // Partial selection: a min-heap of the k largest logits (ties: lower index wins).
    int n = 0;
    for (int i = 0; i < width; i++) {
      if (n < k) {
        heap[n] = i;
        siftUp(logits, n++);
      } else if (better(logits, i, heap[0])) {
        heap[0] = i;
        siftDown(logits, 0, n);
      }
    }
    // Pop into descending order.
    for (int end = n - 1; end >= 0; end--) {
      order[end] = heap[0];
      heap[0] = heap[end];
      siftDown(logits, 0, end);
    }
    double inv = 1.0 / sampling.temperature();
    double max = logits[order[0]];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      probs[i] = Math.exp((logits[order[i]] - max) * inv);
      sum += probs[i];
    }
    double cumulative = 0;
    int kept = n;
    for (int i = 0; i < n; i++) {
      probs[i] /= sum;
      cumulative += probs[i];
      if (cumulative >= sampling.topP() && i + 1 < kept) {
        kept = i + 1;
      }
    }
    if (kept < n) {
      double mass = 0;
      for (int i = 0; i < kept; i++) {
        mass += probs[i];
      }
      for (int i = 0; i < kept; i++) {
        probs[i] /= mass;
      }
    }
    size = kept;
  }

  /** Draws a token from the prepared distribution. */
  int draw(RandomGenerator random) {
    if (size == 1) {
      return order[0];
    }
    double u = random.nextDouble();
    for (int i = 0; i < size; i++) {
      u -= probs[i];
      if (u < 0) {
        return order[i];
      }
    }
    return order[size - 1];
  }

  private static boolean better(float[] logits, int a, int b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  }

  private void siftUp(float[] logits, int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (better(logits, heap[parent], heap[i])) {
        int t = heap[parent];
        heap[parent] = heap[i];
        heap[i] = t;
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
        int t = heap[i];
        heap[i] = heap[worst];
        heap[worst] = t;
        i = worst;
      } else {
        return;
      }
    }
  }
}
