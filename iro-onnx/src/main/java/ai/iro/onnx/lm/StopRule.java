package ai.iro.onnx.lm;

import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * When a row of a decoding ends: at an end-of-sequence token or one of
 * {@link Sampling#stopTokenIds()} (which is not appended), at
 * {@link Sampling#maxNewTokens()} response tokens or the model's context length, or when its response
 * text holds one of {@link Sampling#stopStrings()}. Only a tail of the response is decoded to look for
 * a stop string: a new occurrence ends in the last few characters. Immutable; without stop strings
 * its answers allocate nothing.
 */
final class StopRule {
  private static final int STOP_WINDOW_MARGIN = 8;
  private static final Optional<FinishReason> LENGTH = Optional.of(FinishReason.LENGTH);
  private static final Optional<FinishReason> STOP_STRING = Optional.of(FinishReason.STOP_STRING);

  private final int maxNewTokens;
  private final int contextLength;
  private final List<String> stopStrings;
  private final int longestStop;
  private final Function<int[], String> decoder;
  /** End-of-sequence ids as a lookup table: no boxing per sampled token. */
  private final boolean[] endOfSequence;

  /**
   * The rule of a decoding.
   *
   * @param sampling gives the length limit, the stop strings and the stop token ids
   * @throws IllegalArgumentException if a stop token id lies outside the vocabulary
   * @param eosIds the end-of-sequence ids; those outside {@code [0, width)} are never sampled
   * @param width the vocabulary size
   * @param contextLength the most positions a row may have, prompt included
   * @param decoder turns response tokens into text, for stop strings
   */
  StopRule(Sampling sampling, Set<Integer> eosIds, int width, int contextLength, Function<int[], String> decoder) {
    this.maxNewTokens = sampling.maxNewTokens();
    this.contextLength = contextLength;
    this.stopStrings = sampling.stopStrings();
    this.longestStop = stopStrings.stream().mapToInt(String::length).max().orElse(0);
    this.decoder = decoder;
    this.endOfSequence = new boolean[width];
    for (int id : eosIds) {
      if (id >= 0 && id < width) {
        endOfSequence[id] = true;
      }
    }
    for (int id : sampling.stopTokenIds()) {
      if (id >= width) {
        throw new IllegalArgumentException("stop token id " + id + " is outside the vocabulary [0, " + width + ")");
      }
      endOfSequence[id] = true;
    }
  }

  /** Whether {@code token} ends its row as an end-of-sequence token. */
  boolean endsSequence(int token) {
    return endOfSequence[token];
  }

  /**
   * Whether a row ends after its last token was appended, and why.
   *
   * @param response the row's response tokens in {@code [0, length)}; the rest is ignored
   * @param length the response length, the last token included
   * @param position the row's position count, prompt included
   */
  Optional<FinishReason> afterAppend(int[] response, int length, int position) {
    if (length >= maxNewTokens || position >= contextLength) {
      return LENGTH;
    }
    if (longestStop > 0 && hitsStopString(response, length)) {
      return STOP_STRING;
    }
    return Optional.empty();
  }

  /** Whether the response, which had no stop string before its last token, has one now. */
  private boolean hitsStopString(int[] response, int length) {
    int window = Math.min(length, 4 * (longestStop + 1) + STOP_WINDOW_MARGIN);
    while (true) {
      String tail = decoder.apply(Arrays.copyOfRange(response, length - window, length));
      if (tail.length() >= longestStop + STOP_WINDOW_MARGIN || window == length) {
        for (String stop : stopStrings) {
          if (tail.contains(stop)) {
            return true;
          }
        }
        return false;
      }
      window = Math.min(length, 2 * window);
    }
  }
}
