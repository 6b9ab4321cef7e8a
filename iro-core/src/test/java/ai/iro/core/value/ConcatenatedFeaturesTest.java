package ai.iro.core.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.reward.RewardModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link ConcatenatedFeatures} and {@link PrefixRewardFeatures}, on hand-made sources and rewards. */
class ConcatenatedFeaturesTest {
  /** Tokens decode to letters: 0 is "a", 1 is "b", ... */
  private static String letters(int[] tokens) {
    StringBuilder b = new StringBuilder();
    for (int t : tokens) {
      b.append((char) ('a' + t));
    }
    return b.toString();
  }

  /** A source of {@code width} values per state: the response length times 1, 2, ..., counting its compute calls. */
  private static class LengthFeatures implements FeatureSource {
    final String id;
    final int width;
    final AtomicInteger computes = new AtomicInteger();

    LengthFeatures(String id, int width) {
      this.id = id;
      this.width = width;
    }

    float[] row(int length) {
      float[] r = new float[width];
      for (int k = 0; k < width; k++) {
        r[k] = length * (k + 1);
      }
      return r;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public int dimension() {
      return width;
    }

    @Override
    public float[][] compute(StateBatch states) {
      computes.incrementAndGet();
      float[][] out = new float[states.size()][];
      for (int i = 0; i < out.length; i++) {
        out[i] = row(states.get(i).responseLength());
      }
      return out;
    }

    @Override
    public List<float[][]> prefixFeatures(List<ValueExample> examples) {
      List<float[][]> out = new ArrayList<>();
      for (ValueExample e : examples) {
        float[][] rows = new float[e.responseLength() + 1][];
        for (int j = 0; j < rows.length; j++) {
          rows[j] = row(j);
        }
        out.add(rows);
      }
      return out;
    }
  }

  private static final RewardModel VOWELS = RewardModel.of("vowels",
      (prompt, response) -> response.chars().filter(c -> "aeiou".indexOf(c) >= 0).count() + 0.5 * prompt.length());

  private static State state(String prompt, int... tokens) {
    return State.of(prompt, tokens, letters(tokens));
  }

  @Test
  void rowsArePartsSideBySideAndASharedPartIsComputedOncePerBatch() {
    LengthFeatures a = new LengthFeatures("a", 2);
    LengthFeatures b = new LengthFeatures("b", 1);
    ConcatenatedFeatures both = new ConcatenatedFeatures(List.of(a, b));
    assertThat(both.id()).isEqualTo("concat[a + b]");
    assertThat(both.dimension()).isEqualTo(3);
    StateBatch batch = new StateBatch(List.of(state("p", 0, 1, 2), state("q")));
    assertThat(batch.features(a)[0]).containsExactly(3, 6);
    assertThat(batch.features(both)).isDeepEqualTo(new float[][] {{3, 6, 3}, {0, 0, 0}});
    assertThat(a.computes).as("the part read directly and through the concatenation: once").hasValue(1);
    assertThat(b.computes).hasValue(1);

    ValueExample example = new ValueExample("p", new int[] {4, 0}, "ea", 1);
    assertThat(both.prefixFeatures(List.of(example)).get(0))
        .isDeepEqualTo(new float[][] {{0, 0, 0}, {1, 2, 1}, {2, 4, 2}});
  }

  @Test
  void prefixRewardsScoreTheDecodedPrefixesAsSearchStatesAre() {
    PrefixRewardFeatures reward = new PrefixRewardFeatures(VOWELS, ConcatenatedFeaturesTest::letters);
    assertThat(reward.id()).isEqualTo("prefix-reward:vowels");
    assertThat(reward.dimension()).isEqualTo(1);
    // tokens 4 0 1 8 are "eabi": vowels 1, 2, 2, 3; the prompt "pq" adds 1.
    ValueExample example = new ValueExample("pq", new int[] {4, 0, 1, 8}, "eabi", 1);
    float[][] rows = reward.prefixFeatures(List.of(example)).get(0);
    assertThat(rows).isDeepEqualTo(new float[][] {{1}, {2}, {3}, {3}, {4}});
    // A search state with the same prompt and tokens reads the same value.
    for (int j = 0; j <= 4; j++) {
      int[] prefix = java.util.Arrays.copyOf(new int[] {4, 0, 1, 8}, j);
      assertThat(new StateBatch(List.of(state("pq", prefix))).features(reward)[0]).as("prefix %s", j)
          .containsExactly(rows[j]);
    }
  }

  @Test
  void manyPrefixesAreScoredInBoundedCallsAndLandInPlace() {
    List<Integer> calls = new ArrayList<>();
    RewardModel length = new RewardModel() {
      @Override
      public double[] score(List<String> prompts, List<String> responses) {
        calls.add(prompts.size());
        return responses.stream().mapToDouble(r -> r.length() * 10.0).toArray();
      }

      @Override
      public Optional<String> id() {
        return Optional.of("length");
      }
    };
    PrefixRewardFeatures reward = new PrefixRewardFeatures(length, ConcatenatedFeaturesTest::letters);
    List<ValueExample> examples = new ArrayList<>();
    int n = 300;
    for (int e = 0; e < n; e++) {
      int[] tokens = new int[e % 29];
      examples.add(new ValueExample("p" + e, tokens, letters(tokens), 0));
    }
    List<float[][]> rows = reward.prefixFeatures(examples);
    long states = examples.stream().mapToLong(e -> e.responseLength() + 1L).sum();
    assertThat(states).isGreaterThan(PrefixRewardFeatures.SCORE_BATCH);
    assertThat(calls).allSatisfy(c -> assertThat(c).isLessThanOrEqualTo(PrefixRewardFeatures.SCORE_BATCH));
    assertThat(calls.stream().mapToLong(Integer::longValue).sum()).isEqualTo(states);
    for (int e = 0; e < n; e++) {
      for (int j = 0; j < rows.get(e).length; j++) {
        assertThat(rows.get(e)[j]).as("example %s, prefix %s", e, j).containsExactly(10f * j);
      }
    }
  }

  @Test
  void badSourcesAndScoresAreRefusedWithTheirNames() {
    LengthFeatures a = new LengthFeatures("a", 2);
    assertThatThrownBy(() -> new ConcatenatedFeatures(List.of(a))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least two");
    assertThatThrownBy(() -> new ConcatenatedFeatures(List.of(a, new LengthFeatures("a", 1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[a, a]");
    LengthFeatures liar = new LengthFeatures("liar", 2) {
      @Override
      public int dimension() {
        return 3;
      }
    };
    assertThatThrownBy(() -> new StateBatch(List.of(state("p", 1))).features(new ConcatenatedFeatures(List.of(a, liar))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("liar gave 2 values for state 0, expected 3");

    assertThatThrownBy(() -> new PrefixRewardFeatures(RewardModel.of((p, r) -> 1), ConcatenatedFeaturesTest::letters))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no id");
    PrefixRewardFeatures nan = new PrefixRewardFeatures(RewardModel.of("nan-on-b",
        (p, r) -> r.contains("b") ? Double.NaN : 0), ConcatenatedFeaturesTest::letters);
    assertThatThrownBy(() -> nan.prefixFeatures(List.of(new ValueExample("pr", new int[] {0, 1}, "ab", 0))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("prompt \"pr\", response prefix \"ab\"")
        .hasMessageContaining("NaN");
  }
}
