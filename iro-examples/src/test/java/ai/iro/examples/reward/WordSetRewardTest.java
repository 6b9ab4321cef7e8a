package ai.iro.examples.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WordSetRewardTest {
  private final WordSetReward reward = WordSetReward.landscape();

  @Test
  void scoresOneForAnAnswerNamingALandscapeWordAndZeroOtherwise() {
    double[] r = reward.score(List.of("p", "p", "p", "p"), List.of(
        " and he went into the wilderness of Sin",
        " unto the Sea of Galilee, and the WATERS were divided",
        " and the LORD spake unto Moses, saying",
        ""));
    assertThat(r).containsExactly(1, 1, 0, 0);
  }

  @Test
  void matchesWholeWordsOnly() {
    assertThat(reward.names(" the seasons of the year")).as("seasons is not sea").isFalse();
    assertThat(reward.names(" a fieldstone")).isFalse();
    assertThat(reward.names(" in the field, and")).isTrue();
  }

  @Test
  void countsAnAnswerOnceHoweverManyWordsItNames() {
    assertThat(reward.score(List.of(""), List.of(" the sea, the river, the mountain and the valley"))).containsExactly(1);
  }

  @Test
  void ignoresThePrompt() {
    assertThat(reward.score(List.of("by the river"), List.of(" and they did eat"))).containsExactly(0);
  }

  @Test
  void idNamesTheSetAndItsWords() {
    assertThat(WordSetReward.of("birds", Set.of("dove", "raven")).id()).contains("word-set:birds:dove,raven");
  }

  @Test
  void refusesAnEmptySetOrAWordThatIsNotLowerCaseLetters() {
    assertThatThrownBy(() -> WordSetReward.of("none", Set.of())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("none");
    assertThatThrownBy(() -> WordSetReward.of("x", Set.of("Sea"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"Sea\"");
  }
}
