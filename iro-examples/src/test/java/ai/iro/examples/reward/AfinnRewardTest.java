package ai.iro.examples.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AfinnRewardTest {
  private final AfinnReward afinn = AfinnReward.load();

  @Test
  void loadsTheWholeLexicon() {
    assertThat(afinn.size()).isEqualTo(3382);
  }

  @Test
  void sumsWordValencesIgnoringCaseAndPunctuation() {
    assertThat(afinn.valence("Good, and HAPPY!")).isEqualTo(3 + 3);
    assertThat(afinn.valence("the sin of death")).isEqualTo(-2 - 2);
    assertThat(afinn.valence("and the LORD spake unto Moses")).isEqualTo(0);
  }

  @Test
  void matchesPhrasesBeforeWords() {
    // "bad luck" is rated as a phrase (-2), not as "bad" (-3) plus "luck" (+3).
    assertThat(afinn.valence("such bad luck")).isEqualTo(-2);
  }

  @Test
  void scoresBatchesAndChecksLengths() {
    assertThat(afinn.score(List.of("p", "q"), List.of("love", "hate"))).containsExactly(3, -3);
    assertThatThrownBy(() -> afinn.score(List.of("p"), List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 vs 0");
  }
}
