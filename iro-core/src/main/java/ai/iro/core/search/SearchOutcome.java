package ai.iro.core.search;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Objects;

/**
 * What one {@link Searcher#search} call returns: a result per prompt, the tokens generated and the
 * time spent. Immutable and thread safe.
 *
 * @param results one result per prompt, in order
 * @param tokensGenerated the tokens the base model sampled or appended, over all rows
 * @param timings where the time went
 */
public record SearchOutcome(List<SearchResult> results, long tokensGenerated, SearchTimings timings) {
  /** Validates and copies the fields. */
  public SearchOutcome {
    results = ImmutableList.copyOf(results);
    Objects.requireNonNull(timings, "timings");
  }
}
