package ai.iro.openai;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the live rows of one {@link RemoteDecoding#extend} call become one request: which rows' states
 * are sent as prompts, and which choice ({@code prompt * n + sample}) each live row takes.
 */
final class RowGroups {
  /** Per prompt sent: the row whose state it is. */
  final int[] sent;
  /** Per row: the prompt it takes its choice from, or -1 for a finished row. */
  final int[] prompt;
  /** Per row: the sample of its prompt it takes. */
  final int[] sample;
  /** Samples per prompt. */
  final int n;

  private RowGroups(int[] sent, int[] prompt, int[] sample, int n) {
    this.sent = sent;
    this.prompt = prompt;
    this.sample = sample;
    this.n = n;
  }

  /**
   * Rows with equal keys share a prompt, in order of first appearance; the {@code j}-th row of a key
   * takes sample {@code j}, or sample 0 of one when {@code oneSample} (greedy decoding).
   *
   * @param keys per row its state's key, null for a finished row
   */
  static RowGroups byState(Object[] keys, boolean oneSample) {
    Map<Object, Integer> index = new LinkedHashMap<>();
    List<Integer> sent = new ArrayList<>();
    List<Integer> count = new ArrayList<>();
    int[] prompt = new int[keys.length];
    int[] sample = new int[keys.length];
    for (int r = 0; r < keys.length; r++) {
      if (keys[r] == null) {
        prompt[r] = -1;
        continue;
      }
      Integer u = index.get(keys[r]);
      if (u == null) {
        u = sent.size();
        index.put(keys[r], u);
        sent.add(r);
        count.add(0);
      }
      prompt[r] = u;
      sample[r] = oneSample ? 0 : count.get(u);
      count.set(u, count.get(u) + 1);
    }
    int n = oneSample ? 1 : count.stream().mapToInt(Integer::intValue).max().orElse(1);
    return new RowGroups(sent.stream().mapToInt(Integer::intValue).toArray(), prompt, sample, n);
  }

  /**
   * The live rows in row order, as consecutive runs of {@code n} rows with equal keys, {@code n}
   * the largest run length that splits them so: live row {@code k} is sample {@code k % n} of prompt
   * {@code k / n}. With {@code n} 1 every live row is its own prompt.
   *
   * @param keys per row its state's key, null for a finished row
   */
  static RowGroups byRuns(Object[] keys) {
    int[] live = new int[keys.length];
    int m = 0;
    for (int r = 0; r < keys.length; r++) {
      if (keys[r] != null) {
        live[m++] = r;
      }
    }
    int n = m;
    while (n > 1 && !splits(keys, live, m, n)) {
      n--;
    }
    n = Math.max(n, 1);
    int[] sent = new int[m / n];
    int[] prompt = new int[keys.length];
    int[] sample = new int[keys.length];
    Arrays.fill(prompt, -1);
    for (int k = 0; k < m; k++) {
      prompt[live[k]] = k / n;
      sample[live[k]] = k % n;
      if (k % n == 0) {
        sent[k / n] = live[k];
      }
    }
    return new RowGroups(sent, prompt, sample, n);
  }

  private static boolean splits(Object[] keys, int[] live, int m, int n) {
    if (m % n != 0) {
      return false;
    }
    for (int k = 0; k < m; k++) {
      if (!Objects.equals(keys[live[k]], keys[live[k - k % n]])) {
        return false;
      }
    }
    return true;
  }
}
