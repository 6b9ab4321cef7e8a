package ai.iro.core.search;

import ai.iro.core.model.FinishReason;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One final response of a search. Immutable and thread safe (its token array is shared: treat it as
 * read-only).
 *
 * @param text the response text
 * @param tokens the response token ids; treat as read-only
 * @param score the value-stack score {@code sum_i V_i / beta_i} of the finished response (0 with no
 *     value functions)
 * @param reward the reward model's score, when the search had one
 * @param finishReason why the response ended; empty when the search stopped it unfinished
 */
public record Candidate(
    String text, int[] tokens, double score, OptionalDouble reward, Optional<FinishReason> finishReason) {
  /** Validates the fields and copies the tokens. */
  public Candidate {
    Objects.requireNonNull(text, "text");
    tokens = tokens.clone();
    Objects.requireNonNull(reward, "reward");
    Objects.requireNonNull(finishReason, "finishReason");
  }

  /** A copy of the response token ids. */
  @Override
  public int[] tokens() {
    return tokens.clone();
  }
}
