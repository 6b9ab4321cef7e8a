package ai.iro.core.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Sampling;
import ai.iro.core.resample.Resamplers;
import org.junit.jupiter.api.Test;

/** Searcher's builder validation, copying and factories (no searching). */
class SearcherBuilderTest {
  private static final Sampling CUSTOM = Sampling.builder().temperature(1.1).topK(5).maxNewTokens(40).build();

  @Test
  void builderDefaultsAreThePapersSettings() {
    Searcher s = Searcher.builder().build();
    assertThat(s.beamWidth()).isEqualTo(Searcher.DEFAULT_BEAM_WIDTH).isEqualTo(4);
    assertThat(s.children()).isEqualTo(Searcher.DEFAULT_CHILDREN).isEqualTo(4);
    assertThat(s.chunkLength()).isEqualTo(Searcher.DEFAULT_CHUNK_LENGTH).isEqualTo(16);
    assertThat(s.resampler()).isEqualTo(Resamplers.diversityFirst());
    assertThat(s.expansion()).isEqualTo(Expansion.SAMPLE);
    assertThat(s.maxCandidates()).isEqualTo(Searcher.DEFAULT_MAX_CANDIDATES);
    assertThat(s.sampling()).isEqualTo(Sampling.defaults());
    assertThat(s.finalsPerPrompt()).isEqualTo(16);
  }

  @Test
  void beamWidthBelowOneIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> Searcher.builder().beamWidth(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(W)")
        .hasMessageContaining("found 0");
  }

  @Test
  void childrenBelowOneIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> Searcher.builder().children(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(K)")
        .hasMessageContaining("found 0");
  }

  @Test
  void chunkLengthBelowOneIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> Searcher.builder().chunkLength(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(L)")
        .hasMessageContaining("found 0");
    assertThatThrownBy(() -> Searcher.builder().chunkLength(-3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found -3");
  }

  @Test
  void maxCandidatesBelowOneIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> Searcher.builder().maxCandidates(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxCandidates")
        .hasMessageContaining("found 0");
  }

  @Test
  void maxNewTokensBelowOneIsRejectedNamingTheValue() {
    assertThatThrownBy(() -> Searcher.builder().maxNewTokens(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 0");
  }

  @Test
  void maxNewTokensKeepsTheOtherSamplingSettings() {
    Searcher s = Searcher.builder().sampling(CUSTOM).maxNewTokens(99).build();
    assertThat(s.sampling()).isEqualTo(CUSTOM.toBuilder().maxNewTokens(99).build());
  }

  @Test
  void enumerateWithChunkLengthOtherThanOneIsRejectedAtBuild() {
    Searcher.Builder b = Searcher.builder().expansion(Expansion.ENUMERATE);
    assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ENUMERATE")
        .hasMessageContaining("found 16");
    assertThatThrownBy(() -> Searcher.builder().expansion(Expansion.ENUMERATE).chunkLength(Searcher.UNBOUNDED).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found " + Searcher.UNBOUNDED);
  }

  @Test
  void enumerateRefusesARuleThatWeighsIncrements() {
    assertThatThrownBy(() -> Searcher.builder().expansion(Expansion.ENUMERATE).chunkLength(1)
        .resampler(Resamplers.incremental(Resamplers.multinomial(1.0))).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("incremental(multinomial(tau=1.0))").hasMessageContaining("Expansion.SAMPLE");
  }

  @Test
  void enumerateWithChunkLengthOneBuildsWithOneFinalPerSurvivor() {
    Searcher s = Searcher.builder().expansion(Expansion.ENUMERATE).chunkLength(1).beamWidth(3).children(5).build();
    assertThat(s.finalsPerPrompt()).isEqualTo(3);
  }

  @Test
  void nullSettingsAreRejected() {
    assertThatThrownBy(() -> Searcher.builder().sampling(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Searcher.builder().resampler(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Searcher.builder().expansion(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void toBuilderRoundTrips() {
    Searcher s = Searcher.builder().beamWidth(3).children(5).chunkLength(7).sampling(CUSTOM)
        .resampler(Resamplers.systematic(0.25)).maxCandidates(9).build();
    Searcher copy = s.toBuilder().build();
    assertSameSettings(copy, s);

    Searcher enumerate = Searcher.tokenLevel(12, CUSTOM);
    assertSameSettings(enumerate.toBuilder().build(), enumerate);
  }

  @Test
  void toBuilderChangesOnlyWhatIsSet() {
    Searcher s = Searcher.builder().beamWidth(3).children(5).sampling(CUSTOM).build();
    Searcher wider = s.toBuilder().beamWidth(8).build();
    assertThat(wider.beamWidth()).isEqualTo(8);
    assertThat(wider.children()).isEqualTo(5);
    assertThat(wider.sampling()).isEqualTo(CUSTOM);
    assertThat(s.beamWidth()).isEqualTo(3);
  }

  @Test
  void bestOfNIsOneBeamOfNUnboundedChildrenRankedByTopW() {
    Searcher s = Searcher.bestOfN(8, CUSTOM);
    assertThat(s.beamWidth()).isEqualTo(1);
    assertThat(s.children()).isEqualTo(8);
    assertThat(s.chunkLength()).isEqualTo(Searcher.UNBOUNDED);
    assertThat(s.expansion()).isEqualTo(Expansion.SAMPLE);
    assertThat(s.resampler()).isEqualTo(Resamplers.topW());
    assertThat(s.sampling()).isEqualTo(CUSTOM);
    assertThat(s.finalsPerPrompt()).isEqualTo(8);
    assertThat(s.toString()).contains("L=unbounded");
  }

  @Test
  void bestOfNRejectsNBelowOne() {
    assertThatThrownBy(() -> Searcher.bestOfN(0, CUSTOM))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 0");
  }

  @Test
  void tokenLevelEnumeratesOneTokenAtATimeWithMultinomialAtTauOne() {
    Searcher s = Searcher.tokenLevel(12, CUSTOM);
    assertThat(s.beamWidth()).isEqualTo(1);
    assertThat(s.children()).isEqualTo(1);
    assertThat(s.chunkLength()).isEqualTo(1);
    assertThat(s.expansion()).isEqualTo(Expansion.ENUMERATE);
    assertThat(s.maxCandidates()).isEqualTo(12);
    assertThat(s.resampler()).isEqualTo(Resamplers.multinomial(1.0));
    assertThat(s.sampling()).isEqualTo(CUSTOM);
    assertThat(s.finalsPerPrompt()).isEqualTo(1);
  }

  @Test
  void tokenLevelRejectsMaxCandidatesBelowOne() {
    assertThatThrownBy(() -> Searcher.tokenLevel(0, CUSTOM))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 0");
  }

  private static void assertSameSettings(Searcher actual, Searcher expected) {
    assertThat(actual.beamWidth()).isEqualTo(expected.beamWidth());
    assertThat(actual.children()).isEqualTo(expected.children());
    assertThat(actual.chunkLength()).isEqualTo(expected.chunkLength());
    assertThat(actual.sampling()).isEqualTo(expected.sampling());
    assertThat(actual.resampler()).isEqualTo(expected.resampler());
    assertThat(actual.expansion()).isEqualTo(expected.expansion());
    assertThat(actual.maxCandidates()).isEqualTo(expected.maxCandidates());
    assertThat(actual.toString()).isEqualTo(expected.toString());
  }

  @Test
  void oneCandidateIsTheSmallestAllowed() {
    assertThat(Searcher.builder().maxCandidates(1).build().maxCandidates()).isEqualTo(1);
    assertThat(Searcher.builder().beamWidth(1).children(1).chunkLength(1).build().finalsPerPrompt()).isEqualTo(1);
  }

  @Test
  void searchingNoPromptsIsRejected() {
    assertThatThrownBy(() -> Searcher.builder().build().search(new ai.iro.core.testing.ScriptedModel(),
        ai.iro.core.value.ValueStack.empty(), java.util.Optional.empty(), java.util.List.of(), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prompts must not be empty");
  }
}
