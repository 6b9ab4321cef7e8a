package ai.iro.core.value;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Objects;

/**
 * The value functions of successive iterations and their betas; a state's score is
 * {@code sum_i V_i(s) / beta_i}, so that guided decoding follows
 * {@code pi_0 * exp(sum_i V_i / beta_i)}. Immutable; {@link #with} returns a longer stack.
 * Thread safe when its value functions are: scoring calls them on the caller's thread.
 */
public final class ValueStack {
  private static final ValueStack EMPTY = new ValueStack(ImmutableList.of());

  /**
   * A value function and its beta.
   *
   * @param function the value function
   * @param beta its KL-regularisation strength, positive and finite
   */
  public record Term(ValueFunction function, double beta) {
    /** Validates the fields. */
    public Term {
      Objects.requireNonNull(function, "function");
      Preconditions.checkArgument(beta > 0 && Double.isFinite(beta),
          "beta must be positive and finite, found %s", beta);
    }
  }

  private final ImmutableList<Term> terms;

  private ValueStack(ImmutableList<Term> terms) {
    this.terms = terms;
  }

  /** The empty stack: every state scores 0 (unguided decoding). */
  public static ValueStack empty() {
    return EMPTY;
  }

  /** Returns this stack with one more term. */
  public ValueStack with(ValueFunction function, double beta) {
    return new ValueStack(ImmutableList.<Term>builder().addAll(terms).add(new Term(function, beta)).build());
  }

  /** The terms, oldest first. */
  public List<Term> terms() {
    return terms;
  }

  /** The number of terms. */
  public int size() {
    return terms.size();
  }

  /** True when the stack has no terms. */
  public boolean isEmpty() {
    return terms.isEmpty();
  }

  /**
   * Scores states: {@code sum_i V_i(s) / beta_i}. Features shared by terms are computed once
   * through the batch's memo.
   *
   * @throws IllegalStateException if a value function returns the wrong number of values
   */
  public double[] score(StateBatch states) {
    double[] total = new double[states.size()];
    for (Term term : terms) {
      double[] v = term.function().values(states);
      if (v.length != total.length) {
        throw new IllegalStateException("value function " + term.function() + " returned "
            + v.length + " values for " + total.length + " states");
      }
      for (int i = 0; i < total.length; i++) {
        total[i] += v[i] / term.beta();
      }
    }
    return total;
  }
}
