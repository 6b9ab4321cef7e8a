package ai.iro.examples.reward;

import ai.iro.core.reward.RewardModel;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableSortedSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sparse reward, a rare event: 1 when the response names at least one word of a small set (whole
 * words, case ignored), else 0. The prompt is ignored. Immutable and thread safe.
 *
 * <pre>{@code
 * RewardModel reward = WordSetReward.landscape();
 * reward.score(List.of(""), List.of(" and he went into the wilderness"));   // [1.0]
 * }</pre>
 */
public final class WordSetReward implements RewardModel {
  /**
   * The words of {@link #landscape()}: seas, rivers, mountains, valleys, the wilderness, rocks and
   * fields. Chosen from the shipped model's own samples so that one plain sample of 32 tokens names
   * one of them rarely: in 6.8 % of 600 samples on training prompts.
   */
  public static final Set<String> LANDSCAPE = ImmutableSortedSet.of("sea", "seas", "waters", "river", "rivers",
      "mountain", "mountains", "hill", "hills", "valley", "valleys", "wilderness", "desert", "rock", "rocks", "field",
      "fields");

  private static final Pattern WORD = Pattern.compile("[a-z]+");

  private final String name;
  private final ImmutableSortedSet<String> words;

  private WordSetReward(String name, Set<String> words) {
    this.name = name;
    this.words = ImmutableSortedSet.copyOf(words);
  }

  /** The reward of the {@code sparse} evaluation task: a response that names {@link #LANDSCAPE}. */
  public static WordSetReward landscape() {
    return of("landscape", LANDSCAPE);
  }

  /**
   * A reward for naming any of {@code words}.
   *
   * @param name names the set in {@link #id()}, not blank
   * @param words lower-case words of letters a-z, at least one
   * @throws IllegalArgumentException if the name is blank, the set empty or a word not lower-case letters
   */
  public static WordSetReward of(String name, Set<String> words) {
    Preconditions.checkArgument(!name.isBlank(), "a word set needs a name, found a blank one");
    Preconditions.checkArgument(!words.isEmpty(), "the word set %s is empty", name);
    for (String w : words) {
      Preconditions.checkArgument(WORD.matcher(w).matches(), "word set %s: words must be lower-case letters a-z, found \"%s\"",
          name, w);
    }
    return new WordSetReward(name, words);
  }

  /** The words that count. */
  public Set<String> words() {
    return words;
  }

  /** Whether a text names one of the words. */
  public boolean names(String text) {
    Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
    while (m.find()) {
      if (words.contains(m.group())) {
        return true;
      }
    }
    return false;
  }

  /** {@code "word-set:<name>:<words joined by commas>"}. */
  @Override
  public Optional<String> id() {
    return Optional.of("word-set:" + name + ":" + String.join(",", words));
  }

  @Override
  public double[] score(List<String> prompts, List<String> responses) {
    return TextScores.each(prompts, responses, r -> names(r) ? 1 : 0);
  }


  @Override
  public String toString() {
    return "WordSetReward{" + name + ", " + words.size() + " words}";
  }
}
