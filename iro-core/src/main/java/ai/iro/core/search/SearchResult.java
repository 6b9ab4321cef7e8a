package ai.iro.core.search;

import ai.iro.core.data.Prompt;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of a search for one prompt: every final candidate and the one picked. Immutable and thread safe.
 */
public final class SearchResult {
  private final Prompt prompt;
  private final ImmutableList<Candidate> finals;
  private final int chosen;

  /**
   * Creates a result.
   *
   * @param prompt the prompt
   * @param finals the final candidates, at least one
   * @param chosen the index of the picked candidate in {@code finals}
   */
  public SearchResult(String prompt, List<Candidate> finals, int chosen) {
    this(Prompt.of(Objects.requireNonNull(prompt, "prompt")), finals, chosen);
  }

  /**
   * Creates a result for a prompt record (a chat's conversation included).
   *
   * @param prompt the prompt
   * @param finals the final candidates, at least one
   * @param chosen the index of the picked candidate in {@code finals}
   */
  public SearchResult(Prompt prompt, List<Candidate> finals, int chosen) {
    this.prompt = Objects.requireNonNull(prompt, "prompt");
    this.finals = ImmutableList.copyOf(finals);
    Preconditions.checkArgument(!this.finals.isEmpty(), "a search result needs at least one candidate");
    Preconditions.checkElementIndex(chosen, this.finals.size(), "chosen");
    this.chosen = chosen;
  }

  /** The prompt's text: what reward models read as the user's prompt. */
  public String prompt() {
    return prompt.text();
  }

  /** The prompt searched for, with its conversation when it is a chat. */
  public Prompt source() {
    return prompt;
  }

  /**
   * All final candidates, in the order they finished: the pool of chunk-level search (W * K
   * finished rows, none a copy of another), or the W rows of token-level search.
   */
  public List<Candidate> finals() {
    return finals;
  }

  /** The index of the picked candidate. */
  public int chosenIndex() {
    return chosen;
  }

  /** The picked candidate: best by reward when the search had a reward model, else by score. */
  public Candidate best() {
    return finals.get(chosen);
  }

  /** The picked response text. */
  public String text() {
    return best().text();
  }

  @Override
  public String toString() {
    return "SearchResult{prompt=" + prompt.text() + ", best=" + text() + "}";
  }
}
