package ai.iro.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy policy = RetryPolicy.builder().initialBackoff(Duration.ofMillis(100))
      .maxBackoff(Duration.ofMillis(1000)).build();

  @Test
  void backoffDoublesToTheCapWithJitterBetweenHalfAndAll() {
    long[] full = {100, 200, 400, 800, 1000, 1000};
    for (int retry = 1; retry <= full.length; retry++) {
      assertThat(policy.backoff(retry, 0)).as("retry %s, least jitter", retry)
          .isEqualTo(Duration.ofMillis(full[retry - 1] / 2));
      assertThat(policy.backoff(retry, 0.5)).isEqualTo(Duration.ofMillis(full[retry - 1] * 3 / 4));
      assertThat(policy.backoff(retry, Math.nextDown(1.0))).isLessThanOrEqualTo(Duration.ofMillis(full[retry - 1]))
          .isGreaterThan(Duration.ofMillis(full[retry - 1] - 1));
    }
    assertThat(policy.backoff(10_000, 0.5)).as("no overflow").isEqualTo(Duration.ofMillis(750));
  }

  @Test
  void validatesAndRoundTrips() {
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 0");
    assertThatThrownBy(() -> RetryPolicy.builder().maxElapsed(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RetryPolicy.builder().initialBackoff(Duration.ofSeconds(5))
        .maxBackoff(Duration.ofSeconds(1)).build()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> policy.backoff(0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> policy.backoff(1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(policy.toBuilder().build()).isEqualTo(policy).hasSameHashCodeAs(policy);
    assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
    assertThat(RetryPolicy.defaults().maxAttempts()).isEqualTo(RetryPolicy.DEFAULT_MAX_ATTEMPTS);
  }
}
