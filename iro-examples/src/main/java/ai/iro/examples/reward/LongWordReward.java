package ai.iro.examples.reward;

import ai.iro.core.reward.RewardModel;
import com.google.common.base.Preconditions;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A dense, length-normalised stylistic reward: the share of the response's words (runs of letters)
 * that have at least {@link #minLetters()} letters, from 0 to 1; a response without words scores 0.
 * Every word moves it a little, and a longer answer is not a better one. The prompt is ignored.
 * Immutable and thread safe.
 *
 * <pre>{@code
 * RewardModel reward = LongWordReward.of(6);
 * reward.score(List.of(""), List.of(" and the congregation departed"));   // [0.5]: 2 of 4 words
 * }</pre>
 */
public final class LongWordReward implements RewardModel {
  /** The word length of the {@code dense} evaluation task. */
  public static final int DEFAULT_MIN_LETTERS = 6;

  private static final Pattern WORD = Pattern.compile("\\p{L}+");

  private final int minLetters;

  private LongWordReward(int minLetters) {
    this.minLetters = minLetters;
  }

  /**
   * The share of words of at least {@code minLetters} letters.
   *
   * @throws IllegalArgumentException if {@code minLetters} is below 2
   */
  public static LongWordReward of(int minLetters) {
    Preconditions.checkArgument(minLetters >= 2, "minLetters must be at least 2, found %s", minLetters);
    return new LongWordReward(minLetters);
  }

  /** The letters a word needs to count as long. */
  public int minLetters() {
    return minLetters;
  }

  /** The share of long words in a text; 0 for a text without words. */
  public double share(String text) {
    Matcher m = WORD.matcher(text);
    int words = 0;
    int longWords = 0;
    while (m.find()) {
      words++;
      if (m.end() - m.start() >= minLetters) {
        longWords++;
      }
    }
    return words == 0 ? 0 : (double) longWords / words;
  }

  /** {@code "long-word-share:<minLetters>"}. */
  @Override
  public Optional<String> id() {
    return Optional.of("long-word-share:" + minLetters);
  }

  @Override
  public double[] score(List<String> prompts, List<String> responses) {
    return TextScores.each(prompts, responses, this::share);
  }


  @Override
  public String toString() {
    return "LongWordReward{" + minLetters + "+ letters}";
  }
}
