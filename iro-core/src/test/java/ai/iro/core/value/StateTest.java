package ai.iro.core.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StateTest {
  @Test
  void eagerStateCopiesItsInputs() {
    int[] tokens = {1, 2};
    float[] features = {0.5f};
    State s = new State("p", tokens, "ab", Optional.of(features));
    tokens[0] = 9;
    features[0] = 9;
    assertThat(s.responseTokens()).containsExactly(1, 2);
    assertThat(s.features().orElseThrow()).containsExactly(0.5f);
    assertThat(s.responseText()).isEqualTo("ab");
  }

  @Test
  void lazyStateDecodesOnFirstReadOnlyAndFromACopy() {
    AtomicInteger calls = new AtomicInteger();
    int[] tokens = {3, 4};
    State s = State.lazy("p", tokens, t -> {
      calls.incrementAndGet();
      int[] copy = t;
      copy[0] = -1; // the decoder may scribble on what it is given
      return Arrays.toString(t);
    }, Optional.empty());
    tokens[1] = 9;
    assertThat(calls).hasValue(0);
    assertThat(s.responseLength()).isEqualTo(2);
    assertThat(s.responseText()).isEqualTo("[-1, 4]");
    assertThat(s.responseText()).isEqualTo("[-1, 4]");
    assertThat(calls).hasValue(1);
    assertThat(s.responseTokens()).containsExactly(3, 4);
    assertThat(s.features()).isEmpty();
  }

  @Test
  void lazyStateRejectsANullText() {
    State s = State.lazy("p", new int[] {1}, t -> null, Optional.empty());
    assertThatThrownBy(s::responseText).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("decoder returned null").hasMessageContaining("[1]");
    assertThatThrownBy(() -> State.lazy(null, new int[0], t -> "", Optional.empty()))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("prompt");
  }
}
