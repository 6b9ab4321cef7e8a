package ai.iro.openai;

import com.google.common.base.Preconditions;
import java.time.Duration;
import java.util.Objects;

/**
 * When a failed HTTP call is tried again: after a connection error, a timeout, HTTP 429 or a 5xx
 * status, with exponential backoff and jitter, bounded in attempts and in total time. A
 * {@code Retry-After} header replaces the backoff of that retry. Any other 4xx status fails at
 * once. Immutable; build with {@link #builder()}.
 *
 * <p>The wait before retry {@code i} (1 for the second attempt) is drawn uniformly from
 * {@code [b/2, b]} with {@code b = min(maxBackoff, initialBackoff * 2^(i-1))} ("equal jitter": many
 * clients that failed together do not come back together, and none retries sooner than half the
 * backoff). A call gives up when the attempts are spent or when the next wait would end past
 * {@link #maxElapsed()} after the first attempt began.
 *
 * <pre>{@code
 * RetryPolicy patient = RetryPolicy.builder().maxAttempts(8).maxElapsed(Duration.ofMinutes(10)).build();
 * }</pre>
 */
public final class RetryPolicy {
  /** Default: 5 attempts (4 retries). */
  public static final int DEFAULT_MAX_ATTEMPTS = 5;
  /** Default: 500 ms before the first retry. */
  public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(500);
  /** Default: backoffs grow to at most 20 s. */
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(20);
  /** Default: a call and its retries end within 2 minutes of its first attempt, plus that attempt's own time. */
  public static final Duration DEFAULT_MAX_ELAPSED = Duration.ofMinutes(2);

  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration maxElapsed;

  private RetryPolicy(Builder b) {
    this.maxAttempts = b.maxAttempts;
    this.initialBackoff = b.initialBackoff;
    this.maxBackoff = b.maxBackoff;
    this.maxElapsed = b.maxElapsed;
  }

  /** Returns a builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The defaults: 5 attempts, backoff from 500 ms doubling to 20 s, 2 minutes in all. */
  public static RetryPolicy defaults() {
    return builder().build();
  }

  /** One attempt, no retries. */
  public static RetryPolicy none() {
    return builder().maxAttempts(1).build();
  }

  /** Returns a builder initialised from this policy. */
  public Builder toBuilder() {
    return new Builder().maxAttempts(maxAttempts).initialBackoff(initialBackoff).maxBackoff(maxBackoff)
        .maxElapsed(maxElapsed);
  }

  /** The most attempts of one call, the first included. */
  public int maxAttempts() {
    return maxAttempts;
  }

  /** The backoff before the first retry, before jitter. */
  public Duration initialBackoff() {
    return initialBackoff;
  }

  /** The largest backoff, before jitter. */
  public Duration maxBackoff() {
    return maxBackoff;
  }

  /** How long after its first attempt began a call may still wait for a retry. */
  public Duration maxElapsed() {
    return maxElapsed;
  }

  /**
   * The wait before retry {@code retry} (1-based) for a jitter draw {@code u} in [0, 1): between half
   * the backoff ({@code u = 0}) and the whole of it.
   *
   * @throws IllegalArgumentException if {@code retry < 1} or {@code u} is outside [0, 1)
   */
  public Duration backoff(int retry, double u) {
    Preconditions.checkArgument(retry >= 1, "retry must be at least 1, found %s", retry);
    Preconditions.checkArgument(u >= 0 && u < 1, "u must be in [0, 1), found %s", u);
    double full = initialBackoff.toNanos() * Math.pow(2, Math.min(retry - 1, 62));
    double capped = Math.min(full, maxBackoff.toNanos());
    return Duration.ofNanos((long) (capped / 2 + u * capped / 2));
  }

  @Override
  public String toString() {
    return "RetryPolicy{maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff + ", maxBackoff="
        + maxBackoff + ", maxElapsed=" + maxElapsed + "}";
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RetryPolicy)) {
      return false;
    }
    RetryPolicy p = (RetryPolicy) o;
    return maxAttempts == p.maxAttempts && initialBackoff.equals(p.initialBackoff) && maxBackoff.equals(p.maxBackoff)
        && maxElapsed.equals(p.maxElapsed);
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxAttempts, initialBackoff, maxBackoff, maxElapsed);
  }

  /** Builder of {@link RetryPolicy}; validates each value as it is set. */
  public static final class Builder {
    private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
    private Duration initialBackoff = DEFAULT_INITIAL_BACKOFF;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration maxElapsed = DEFAULT_MAX_ELAPSED;

    private Builder() {}

    /** Sets the most attempts, at least 1 (1: no retries). Default: {@link RetryPolicy#DEFAULT_MAX_ATTEMPTS}. */
    public Builder maxAttempts(int maxAttempts) {
      Preconditions.checkArgument(maxAttempts >= 1, "maxAttempts must be at least 1, found %s", maxAttempts);
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Sets the backoff before the first retry, not negative. Default: {@link RetryPolicy#DEFAULT_INITIAL_BACKOFF}. */
    public Builder initialBackoff(Duration initialBackoff) {
      this.initialBackoff = nonNegative(initialBackoff, "initialBackoff");
      return this;
    }

    /** Sets the largest backoff, not negative. Default: {@link RetryPolicy#DEFAULT_MAX_BACKOFF}. */
    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = nonNegative(maxBackoff, "maxBackoff");
      return this;
    }

    /** Sets the total time bound, not negative. Default: {@link RetryPolicy#DEFAULT_MAX_ELAPSED}. */
    public Builder maxElapsed(Duration maxElapsed) {
      this.maxElapsed = nonNegative(maxElapsed, "maxElapsed");
      return this;
    }

    /**
     * Returns the immutable policy.
     *
     * @throws IllegalStateException if the initial backoff exceeds the largest
     */
    public RetryPolicy build() {
      Preconditions.checkState(initialBackoff.compareTo(maxBackoff) <= 0,
          "initialBackoff %s exceeds maxBackoff %s", initialBackoff, maxBackoff);
      return new RetryPolicy(this);
    }

    private static Duration nonNegative(Duration d, String name) {
      Objects.requireNonNull(d, name);
      Preconditions.checkArgument(!d.isNegative(), "%s must not be negative, found %s", name, d);
      return d;
    }
  }
}
