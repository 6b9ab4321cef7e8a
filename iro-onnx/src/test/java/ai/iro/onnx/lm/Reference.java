package ai.iro.onnx.lm;

import java.util.Arrays;
import java.util.Set;

/** Naive reference implementations that the fast paths are tested against. */
final class Reference {
  private Reference() {}

  /** The index of the largest value; ties go to the lower index. */
  static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  /**
   * Greedy decoding by rerunning the whole sequence every step with an empty past: {@code ids} are
   * the prompt's ids as fed (BOS included), stopping before any of {@code eos}.
   */
  static int[] greedy(OnnxCausalLM lm, int[] ids, int tokens, Set<Integer> eos) {
    int[] seq = Arrays.copyOf(ids, ids.length + tokens);
    int n = 0;
    while (n < tokens) {
      float[][] logits = lm.logits(Arrays.copyOf(seq, ids.length + n));
      int best = argmax(logits[logits.length - 1]);
      if (eos.contains(best)) {
        break;
      }
      seq[ids.length + n++] = best;
    }
    return Arrays.copyOfRange(seq, ids.length, ids.length + n);
  }

  /** {@link #greedy(OnnxCausalLM, int[], int, Set)} from a prompt, stopping at the model's EOS ids. */
  static int[] greedy(OnnxCausalLM lm, String prompt, int tokens) {
    return greedy(lm, lm.encodePrompt(prompt), tokens, lm.eosTokenIds());
  }

  /** Concatenates arrays. */
  static int[] concat(int[]... parts) {
    int n = 0;
    for (int[] p : parts) {
      n += p.length;
    }
    int[] out = new int[n];
    int at = 0;
    for (int[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  /**
   * The sampling distribution by the book: sort every token by logit (ties: lower id first), keep
   * the top k (0: all), softmax at the temperature, keep the shortest prefix whose mass reaches top-p,
   * renormalise. Returns {tokens, probabilities} of the kept tokens, most likely first.
   */
  static Object[] distribution(float[] logits, double temperature, int topK, double topP) {
    Integer[] order = new Integer[logits.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> {
      double ka = Float.isNaN(logits[a]) ? Double.NEGATIVE_INFINITY : logits[a];
      double kb = Float.isNaN(logits[b]) ? Double.NEGATIVE_INFINITY : logits[b];
      return ka != kb ? Double.compare(kb, ka) : Integer.compare(a, b);
    });
    int k = topK == 0 ? logits.length : Math.min(topK, logits.length);
    double max = logits[order[0]];
    double[] p = new double[k];
    double sum = 0;
    for (int i = 0; i < k; i++) {
      double l = Float.isNaN(logits[order[i]]) ? Double.NEGATIVE_INFINITY : logits[order[i]];
      p[i] = Math.exp((l - max) * (1.0 / temperature));
      sum += p[i];
    }
    int kept = k;
    double cumulative = 0;
    for (int i = 0; i < k; i++) {
      p[i] /= sum;
      cumulative += p[i];
      if (cumulative >= topP) {
        kept = i + 1;
        break;
      }
    }
    while (kept > 1 && p[kept - 1] == 0) {
      kept--;
    }
    double mass = 0;
    for (int i = 0; i < kept; i++) {
      mass += p[i];
    }
    int[] tokens = new int[kept];
    double[] probs = new double[kept];
    for (int i = 0; i < kept; i++) {
      tokens[i] = order[i];
      probs[i] = p[i] / mass;
    }
    return new Object[] {tokens, probs};
  }
}
