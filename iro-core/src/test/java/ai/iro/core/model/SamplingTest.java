package ai.iro.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SamplingTest {
  @Test
  void defaultsAreThePapersSettings() {
    Sampling s = Sampling.defaults();
    assertThat(s.temperature()).isEqualTo(Sampling.DEFAULT_TEMPERATURE).isEqualTo(0.7);
    assertThat(s.topP()).isEqualTo(Sampling.DEFAULT_TOP_P).isEqualTo(0.9);
    assertThat(s.topK()).isEqualTo(Sampling.DEFAULT_TOP_K).isEqualTo(50);
    assertThat(s.maxNewTokens()).isEqualTo(Sampling.DEFAULT_MAX_NEW_TOKENS).isEqualTo(128);
    assertThat(s.stopStrings()).isEmpty();
    assertThat(s.isGreedy()).isFalse();
    assertThat(s).isEqualTo(Sampling.builder().build());
  }

  @Test
  void stopTokenIdsAreKeptSortedComparedAndCheckedAndSurviveToBuilder() {
    Sampling s = Sampling.builder().stopTokenIds(List.of(9, 2, 9)).build();
    assertThat(s.stopTokenIds()).containsExactly(2, 9);
    assertThat(s.toBuilder().build()).isEqualTo(s).hasSameHashCodeAs(s);
    assertThat(s).isNotEqualTo(Sampling.defaults());
    assertThat(s.toString()).contains("stopTokenIds=[2, 9]");
    assertThat(Sampling.defaults().stopTokenIds()).isEmpty();
    assertThatThrownBy(() -> Sampling.builder().stopTokenIds(List.of(3, -1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 0").hasMessageContaining("-1");
  }

  @Test
  void greedyHasTemperatureZeroAndTheGivenLength() {
    Sampling g = Sampling.greedy(32);
    assertThat(g.temperature()).isZero();
    assertThat(g.isGreedy()).isTrue();
    assertThat(g.maxNewTokens()).isEqualTo(32);
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, -1.0, Double.NaN, Double.POSITIVE_INFINITY})
  void temperatureMustBeFiniteAndNonNegative(double temperature) {
    assertThatThrownBy(() -> Sampling.builder().temperature(temperature))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("temperature")
        .hasMessageContaining("found " + temperature);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, -0.5, 1.0000001, 1.5, Double.NaN})
  void topPMustBeInZeroExclusiveToOneInclusive(double topP) {
    assertThatThrownBy(() -> Sampling.builder().topP(topP))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("topP")
        .hasMessageContaining("found " + topP);
  }

  @Test
  void boundaryValuesAreAccepted() {
    Sampling s = Sampling.builder().temperature(0).topP(1).topK(0).maxNewTokens(1).build();
    assertThat(s.temperature()).isZero();
    assertThat(s.topP()).isEqualTo(1.0);
    assertThat(s.topK()).isZero();
    assertThat(s.maxNewTokens()).isEqualTo(1);
  }

  @Test
  void topKMustBeNonNegative() {
    assertThatThrownBy(() -> Sampling.builder().topK(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found -1");
  }

  @Test
  void maxNewTokensMustBeAtLeastOne() {
    assertThatThrownBy(() -> Sampling.builder().maxNewTokens(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxNewTokens")
        .hasMessageContaining("found 0");
    assertThatThrownBy(() -> Sampling.greedy(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 0");
  }

  @Test
  void stopStringsMustBeNonEmptyAndNonNull() {
    assertThatThrownBy(() -> Sampling.builder().stopStrings(List.of("\n", "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("non-empty");
    assertThatThrownBy(() -> Sampling.builder().stopStrings(Arrays.asList("\n", null)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void stopStringsAreCopied() {
    List<String> stops = new ArrayList<>(List.of("\n\n"));
    Sampling s = Sampling.builder().stopStrings(stops).build();
    stops.add("END");
    assertThat(s.stopStrings()).containsExactly("\n\n");
    assertThatThrownBy(() -> s.stopStrings().add("x")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void toBuilderRoundTrips() {
    Sampling s = Sampling.builder().temperature(1.3).topP(0.75).topK(7).maxNewTokens(64)
        .stopStrings(List.of("###", "\n")).build();
    Sampling copy = s.toBuilder().build();
    assertThat(copy).isEqualTo(s).hasSameHashCodeAs(s);
    assertThat(copy.toString()).isEqualTo(s.toString());
    assertThat(copy.stopStrings()).containsExactly("###", "\n");
  }

  @Test
  void toBuilderChangesOnlyWhatIsSet() {
    Sampling s = Sampling.builder().temperature(1.3).topK(7).build();
    Sampling longer = s.toBuilder().maxNewTokens(256).build();
    assertThat(longer.maxNewTokens()).isEqualTo(256);
    assertThat(longer.temperature()).isEqualTo(1.3);
    assertThat(longer.topK()).isEqualTo(7);
    assertThat(s.maxNewTokens()).isEqualTo(Sampling.DEFAULT_MAX_NEW_TOKENS);
    assertThat(longer).isNotEqualTo(s);
  }

  @Test
  void equalityCoversEveryField() {
    Sampling base = Sampling.defaults();
    assertThat(base.toBuilder().temperature(0.8).build()).isNotEqualTo(base);
    assertThat(base.toBuilder().topP(0.8).build()).isNotEqualTo(base);
    assertThat(base.toBuilder().topK(8).build()).isNotEqualTo(base);
    assertThat(base.toBuilder().maxNewTokens(8).build()).isNotEqualTo(base);
    assertThat(base.toBuilder().stopStrings(List.of("x")).build()).isNotEqualTo(base);
  }
}
