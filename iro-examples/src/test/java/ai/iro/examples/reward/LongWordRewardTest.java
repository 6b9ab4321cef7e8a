package ai.iro.examples.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class LongWordRewardTest {
  private static final double EXACT = 1e-12;
  private final LongWordReward reward = LongWordReward.of(6);

  @Test
  void isTheShareOfWordsWithSixOrMoreLetters() {
    assertThat(reward.share(" and the congregation departed")).isCloseTo(2 / 4.0, within(EXACT));
    assertThat(reward.share(" Behold, the tabernacle; and the children of Israel")).isCloseTo(4 / 8.0, within(EXACT));   // Behold, tabernacle, children, Israel
  }

  @Test
  void countsSixLettersButNotFive() {
    assertThat(reward.share("praise")).isEqualTo(1.0);
    assertThat(reward.share("bless")).isEqualTo(0.0);
  }

  @Test
  void isLengthNormalisedRepeatingAnAnswerKeepsItsScore() {
    String once = " the wilderness of Judah";
    assertThat(reward.share(once + once + once)).isCloseTo(reward.share(once), within(EXACT));
  }

  @Test
  void scoresZeroForAnAnswerWithoutWords() {
    assertThat(reward.score(List.of("p", "p"), List.of("", " , ; 12"))).containsExactly(0, 0);
  }

  @Test
  void ignoresPunctuationAndThePrompt() {
    assertThat(reward.score(List.of("Jerusalem Jerusalem"), List.of(" gold, silver; brass."))).containsExactly(1 / 3.0);
  }

  @Test
  void refusesAWordLengthBelowTwo() {
    assertThatThrownBy(() -> LongWordReward.of(1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 1");
  }
}
