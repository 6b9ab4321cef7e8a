package ai.iro.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The pieces a streamed row sends add up to its final text, and never run ahead of what is certain. */
class TextDeltasTest {
  @Test
  void withoutStopStringsEveryDecodedCharacterIsSentAtOnce() {
    TextDeltas d = new TextDeltas(1, List.of());
    assertThat(d.grow(0, "And")).isEqualTo("And");
    assertThat(d.grow(0, "And God")).isEqualTo(" God");
    assertThat(d.grow(0, "And God")).isEmpty();
    assertThat(d.finish(0, "And God said")).isEqualTo(" said");
  }

  @Test
  void holdsBackWhatMightBeginAStopStringAndSendsNothingFromIt() {
    TextDeltas d = new TextDeltas(1, List.of("END", "x"));
    assertThat(d.grow(0, "abcE")).isEqualTo("ab");
    assertThat(d.grow(0, "abcEN")).isEqualTo("c");
    assertThat(d.grow(0, "abcENQ")).isEqualTo("E");
    assertThat(d.grow(0, "abcENQEND more")).isEqualTo("NQ");
    assertThat(d.grow(0, "abcENQEND more text")).isEmpty();
    assertThat(d.finish(0, "abcENQ")).isEmpty();
  }

  @Test
  void waitsForACharacterWhoseBytesAreNotAllDecoded() {
    TextDeltas d = new TextDeltas(2, List.of());
    assertThat(d.grow(1, "caf\uFFFD")).isEqualTo("caf");
    assertThat(d.grow(1, "café")).isEqualTo("é");
    assertThat(d.grow(0, "a\uD83D")).isEqualTo("a");
    assertThat(d.finish(0, "a\uD83D\uDE00")).isEqualTo("\uD83D\uDE00");
  }
}
