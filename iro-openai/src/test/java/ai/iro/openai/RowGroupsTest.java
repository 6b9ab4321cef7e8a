package ai.iro.openai;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How live rows become the prompts and choices of one request. */
class RowGroupsTest {
  @Test
  void runsOfForksAreSentOnceWithNAndLiveRowKIsChoiceK() {
    RowGroups g = RowGroups.byRuns(new Object[] {"a", "a", null, "a", "b", "b", "b"});
    // Live rows 0, 1, 3 | 4, 5, 6: two runs of three; the finished row 2 takes no choice.
    assertThat(g.n).isEqualTo(3);
    assertThat(g.sent).containsExactly(0, 4);
    assertThat(g.prompt).containsExactly(0, 0, -1, 0, 1, 1, 1);
    assertThat(g.sample).containsExactly(0, 1, 0, 2, 0, 1, 2);
  }

  @Test
  void runsOfUnequalLengthSendEveryLiveRowInRowOrder() {
    RowGroups g = RowGroups.byRuns(new Object[] {"a", "a", "b", "a"});
    assertThat(g.n).isEqualTo(1);
    assertThat(g.sent).containsExactly(0, 1, 2, 3);
    assertThat(g.prompt).containsExactly(0, 1, 2, 3);
  }

  @Test
  void equalRunsOfOneStateMayRepeatAPrompt() {
    RowGroups g = RowGroups.byRuns(new Object[] {"a", "a", "b", "b", "a", "a"});
    assertThat(g.n).isEqualTo(2);
    assertThat(g.sent).containsExactly(0, 2, 4);
  }

  @Test
  void statesGroupRowsWhereverTheyAreWithTheLargestMultiplicityAsN() {
    RowGroups g = RowGroups.byState(new Object[] {"a", "b", "a", null, "a"}, false);
    assertThat(g.n).isEqualTo(3);
    assertThat(g.sent).containsExactly(0, 1);
    assertThat(g.prompt).containsExactly(0, 1, 0, -1, 0);
    assertThat(g.sample).containsExactly(0, 0, 1, 0, 2);
    RowGroups greedy = RowGroups.byState(new Object[] {"a", "b", "a"}, true);
    assertThat(greedy.n).isEqualTo(1);
    assertThat(greedy.sample).containsExactly(0, 0, 0);
  }

  @Test
  void noLiveRowSendsNothing() {
    assertThat(RowGroups.byRuns(new Object[] {null, null}).sent).isEmpty();
    assertThat(RowGroups.byState(new Object[] {null}, false).sent).isEmpty();
  }
}
