package ai.iro.onnx.lm;

import com.google.common.base.Preconditions;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The hidden states of many responses' prefixes in few forward passes: the batched form of
 * {@link DecoderRuntime#prefixFeatures}, which stays the one-row reference. Each sequence is its
 * prompt's ids then its response tokens; the sequences are sorted longest first and packed, in that
 * order, into passes of at most {@code tokenBudget} padded tokens (rows times the pass's longest
 * row), each pass left-padded by {@link ModelInputs#fillRows}. A sequence longer than the budget
 * runs alone. Sorting keeps rows of like length together, so little of a pass is padding.
 *
 * <p>The budget bounds a pass's memory: ONNX Runtime holds each layer's activations and returns the
 * hidden state and the present keys and values for every padded token (the logits too, at every
 * position, when the graph has no logits-to-keep input). Stateless; thread safe as its runtime is.
 */
final class PrefixPass {
  /**
   * The default most padded tokens of one pass: 2048. Measured on the shipped model on two cores,
   * 320 sampled responses (16 for each of 20 prompts, at most 48 tokens, 12,424 tokens in all), the
   * median times: passes of 1024 or 2048 tokens 0.49 and 0.51 s, of 4096 0.55 s, of 8192 0.69 s
   * (one pass per response: 0.94 s), bigger passes spanning more unlike lengths and padding more;
   * with responses all 48 tokens long, passes of 1024 to 8192 tokens took 0.93 to 0.98 s. 2048
   * tokens also keep a pass of a bigger model small: the logits of GPT-2 small, exported without a
   * logits-to-keep input, are then 2048 x 50257 floats (0.4 GB).
   */
  static final int DEFAULT_TOKEN_BUDGET = 2048;

  private final DecoderRuntime runtime;
  private final int tokenBudget;

  /**
   * Passes on {@code runtime}'s model.
   *
   * @param tokenBudget the most padded tokens of one pass, positive
   */
  PrefixPass(DecoderRuntime runtime, int tokenBudget) {
    Preconditions.checkArgument(tokenBudget > 0, "tokenBudget must be positive, found %s", tokenBudget);
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.tokenBudget = tokenBudget;
  }

  /**
   * The hidden state after each prompt and after each token of its response, in the order given:
   * for sequence {@code i}, {@code responses.get(i).length + 1} rows, as
   * {@link DecoderRuntime#prefixFeatures} returns them.
   *
   * @param promptIds each sequence's prompt ids, as fed
   * @param responses each sequence's response tokens, as many as prompts
   * @throws IllegalArgumentException naming the sequence's index, if a prompt is empty, an id lies
   *     outside the vocabulary, or prompt and response exceed the context
   */
  List<float[][]> run(List<int[]> promptIds, List<int[]> responses, String hiddenOutput) {
    return run(promptIds, responses, hiddenOutput, IntStream.range(0, promptIds.size()).toArray());
  }

  /**
   * As {@link #run(List, List, String)}, the messages naming sequence {@code i} as response
   * {@code names[i]} (its index in the caller's list).
   */
  List<float[][]> run(List<int[]> promptIds, List<int[]> responses, String hiddenOutput, int[] names) {
    runtime.checkOpen();
    Preconditions.checkArgument(promptIds.size() == responses.size(),
        "%s prompts but %s responses; expected one response per prompt", promptIds.size(), responses.size());
    int n = promptIds.size();
    Preconditions.checkArgument(names.length == n, "%s names for %s sequences", names.length, n);
    int[][] sequences = new int[n][];
    int[] lengths = new int[n];
    for (int i = 0; i < n; i++) {
      sequences[i] = sequence(names[i], promptIds.get(i),
          Objects.requireNonNull(responses.get(i), "response " + names[i]));
      lengths[i] = sequences[i].length;
    }
    float[][][] out = new float[n][][];
    for (int[] rows : passes(lengths, tokenBudget)) {
      pass(rows, sequences, promptIds, hiddenOutput, out);
    }
    return List.of(out);
  }

  /**
   * The passes over sequences of these lengths: their indices sorted longest first (ties in index
   * order), cut into runs whose count times their first, longest, length is at most
   * {@code tokenBudget}, or of one sequence when that alone is longer.
   */
  static List<int[]> passes(int[] lengths, int tokenBudget) {
    int[] order = IntStream.range(0, lengths.length).boxed()
        .sorted(Comparator.comparingInt((Integer i) -> lengths[i]).reversed())
        .mapToInt(Integer::intValue).toArray();
    List<int[]> passes = new ArrayList<>();
    int start = 0;
    while (start < order.length) {
      long longest = lengths[order[start]];
      int end = start + 1;
      while (end < order.length && (end - start + 1) * longest <= tokenBudget) {
        end++;
      }
      passes.add(Arrays.copyOfRange(order, start, end));
      start = end;
    }
    return passes;
  }

  /** Prompt then response, checked: the message names the sequence. */
  private int[] sequence(int i, int[] prompt, int[] response) {
    DecoderSpec spec = runtime.spec();
    Preconditions.checkArgument(prompt.length > 0,
        "the prompt of response %s is empty and the model prepends no BOS token", i);
    int length = prompt.length + response.length;
    if (length > spec.contextLength()) {
      throw new IllegalArgumentException("response " + i + ": its prompt's " + prompt.length + " tokens and its "
          + response.length + " tokens make " + length + ", past the context of " + spec.contextLength() + " tokens of "
          + spec.directory());
    }
    int[] ids = Arrays.copyOf(prompt, length);
    System.arraycopy(response, 0, ids, prompt.length, response.length);
    for (int k = 0; k < length; k++) {
      if (ids[k] < 0 || ids[k] >= spec.vocabularySize()) {
        throw new IllegalArgumentException("response " + i + ": token id " + ids[k] + " at "
            + (k < prompt.length ? "prompt position " + k : "response position " + (k - prompt.length))
            + " is outside the vocabulary [0, " + spec.vocabularySize() + ")");
      }
    }
    return ids;
  }

  /** One forward pass over the sequences {@code rows}, writing their prefix rows into {@code out}. */
  private void pass(int[] rows, int[][] sequences, List<int[]> promptIds, String hiddenOutput, float[][][] out) {
    int[][] batch = new int[rows.length][];
    for (int r = 0; r < rows.length; r++) {
      batch[r] = sequences[rows[r]];
    }
    int width = runtime.spec().hiddenWidth();
    try (ModelInputs inputs = runtime.newInputs()) {
      // Only the hidden states are read; a graph that can keep the last logits alone need not
      // compute the rest.
      int[] pads = inputs.fillRows(batch, true);
      int longest = inputs.sequence();
      try (OrtSession.Result result = runtime.run(inputs, Set.of(hiddenOutput), Map.of())) {
        OnnxTensor hidden = (OnnxTensor) result.get(hiddenOutput).orElseThrow();
        long[] shape = hidden.getInfo().getShape();
        if (!Arrays.equals(shape, new long[] {rows.length, longest, width})) {
          throw new IllegalStateException(hiddenOutput + " of " + runtime.spec().modelFile() + " has shape "
              + Arrays.toString(shape) + ", expected [" + rows.length + ", " + longest + ", " + width + "]");
        }
        FloatBuffer flat = hidden.getFloatBuffer();
        for (int r = 0; r < rows.length; r++) {
          int i = rows[r];
          int promptLength = promptIds.get(i).length;
          float[][] prefixes = new float[sequences[i].length - promptLength + 1][width];
          // The prompt's last token sits after the row's left padding.
          int first = r * longest + pads[r] + promptLength - 1;
          for (int j = 0; j < prefixes.length; j++) {
            flat.get((first + j) * width, prefixes[j], 0, width);
          }
          out[i] = prefixes;
        }
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on " + runtime.spec().modelFile() + ": " + e.getMessage(),
          e);
    }
  }
}
