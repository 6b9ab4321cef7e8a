package ai.iro.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.model.FinishReason;
import ai.iro.core.search.Candidate;
import ai.iro.core.search.SearchResult;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** What a policy answers for {@code n} choices: its pick, then its other finals by the pick's key. */
class PolicyChoicesTest {
  private static Candidate c(String text, double score, OptionalDouble reward) {
    return new Candidate(text, new int[] {1}, score, reward, Optional.of(FinishReason.LENGTH));
  }

  private static List<String> texts(List<Candidate> cs) {
    return cs.stream().map(Candidate::text).toList();
  }

  @Test
  void pickFirstThenOthersByRewardDistinctTextsBeforeRepeats() {
    List<Candidate> finals = List.of(c("a", 9, OptionalDouble.of(0.1)), c("b", 0, OptionalDouble.of(0.9)),
        c("a", 5, OptionalDouble.of(0.5)), c("c", 1, OptionalDouble.of(0.3)), c("d", 2, OptionalDouble.of(0.3)));
    SearchResult result = new SearchResult("p", finals, 1);
    // By reward: b 0.9, a 0.5, c 0.3 (earlier final of a tie), d 0.3, a 0.1 (a repeat, so last).
    assertThat(texts(Generator.ranked(result, 5))).containsExactly("b", "a", "c", "d", "a");
    assertThat(Generator.ranked(result, 5).get(1).score()).isEqualTo(5);
    assertThat(texts(Generator.ranked(result, 1))).containsExactly("b");
  }

  @Test
  void withoutRewardsTheValueScoreRanks() {
    List<Candidate> finals = List.of(c("x", 1, OptionalDouble.empty()), c("y", 3, OptionalDouble.empty()),
        c("z", 2, OptionalDouble.empty()));
    assertThat(texts(Generator.ranked(new SearchResult("p", finals, 1), 3))).containsExactly("y", "z", "x");
  }

  @Test
  void fewerFinalsThanChoicesStartOverFromThePick() {
    List<Candidate> finals = List.of(c("x", 1, OptionalDouble.empty()), c("y", 3, OptionalDouble.empty()));
    assertThat(texts(Generator.ranked(new SearchResult("p", finals, 1), 5))).containsExactly("y", "x", "y", "x", "y");
  }
}
