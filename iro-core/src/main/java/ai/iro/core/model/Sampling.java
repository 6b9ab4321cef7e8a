package ai.iro.core.model;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSortedSet;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * How a {@link BaseModel} samples tokens: temperature, top-k, top-p, a length limit, stop
 * strings and stop token ids. Immutable and thread safe; build with {@link #builder()}.
 *
 * <p>A temperature of zero means greedy decoding (top-k and top-p are then irrelevant).
 */
public final class Sampling {
  /** Default: 0.7, the paper's sampling temperature. */
  public static final double DEFAULT_TEMPERATURE = 0.7;
  /** Default: 0.9, the paper's nucleus (top-p) threshold. */
  public static final double DEFAULT_TOP_P = 0.9;
  /** Default: 50, the paper's top-k. */
  public static final int DEFAULT_TOP_K = 50;
  /** Default: 128 new tokens per response. */
  public static final int DEFAULT_MAX_NEW_TOKENS = 128;

  private final double temperature;
  private final double topP;
  private final int topK;
  private final int maxNewTokens;
  private final ImmutableList<String> stopStrings;
  private final ImmutableSortedSet<Integer> stopTokenIds;

  private Sampling(Builder b) {
    this.temperature = b.temperature;
    this.topP = b.topP;
    this.topK = b.topK;
    this.maxNewTokens = b.maxNewTokens;
    this.stopStrings = ImmutableList.copyOf(b.stopStrings);
    this.stopTokenIds = b.stopTokenIds;
  }

  /** Returns a builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns the paper's defaults: temperature 0.7, top-p 0.9, top-k 50, 128 new tokens. */
  public static Sampling defaults() {
    return builder().build();
  }

  /** Returns greedy decoding (temperature 0) with the given length limit. */
  public static Sampling greedy(int maxNewTokens) {
    return builder().temperature(0).maxNewTokens(maxNewTokens).build();
  }

  /** Returns a builder initialised from this object. */
  public Builder toBuilder() {
    return new Builder()
        .temperature(temperature)
        .topP(topP)
        .topK(topK)
        .maxNewTokens(maxNewTokens)
        .stopStrings(stopStrings)
        .stopTokenIds(stopTokenIds);
  }

  /** The softmax temperature; 0 means greedy. */
  public double temperature() {
    return temperature;
  }

  /** True when decoding is greedy (temperature 0). */
  public boolean isGreedy() {
    return temperature == 0;
  }

  /** The nucleus threshold in (0, 1]; 1 disables it. */
  public double topP() {
    return topP;
  }

  /** The number of most likely tokens kept; 0 disables the cut. */
  public int topK() {
    return topK;
  }

  /** The most tokens a response may have; a row that reaches it finishes with {@link FinishReason#LENGTH}. */
  public int maxNewTokens() {
    return maxNewTokens;
  }

  /** Strings that end a response when they appear in its text (they stay in the text). */
  public List<String> stopStrings() {
    return stopStrings;
  }

  /**
   * Token ids that end a response like the model's own end-of-sequence ids (vLLM's
   * {@code stop_token_ids}): a chat template's end-of-turn token, for instance. In ascending order.
   */
  public Set<Integer> stopTokenIds() {
    return stopTokenIds;
  }

  @Override
  public String toString() {
    return "Sampling{temperature=" + temperature + ", topP=" + topP + ", topK=" + topK
        + ", maxNewTokens=" + maxNewTokens + ", stopStrings=" + stopStrings
        + (stopTokenIds.isEmpty() ? "" : ", stopTokenIds=" + stopTokenIds) + "}";
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Sampling)) {
      return false;
    }
    Sampling s = (Sampling) o;
    return temperature == s.temperature && topP == s.topP && topK == s.topK
        && maxNewTokens == s.maxNewTokens && stopStrings.equals(s.stopStrings)
        && stopTokenIds.equals(s.stopTokenIds);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(temperature, topP, topK, maxNewTokens, stopStrings, stopTokenIds);
  }

  /** Builder of {@link Sampling}; validates each value as it is set. */
  public static final class Builder {
    private double temperature = DEFAULT_TEMPERATURE;
    private double topP = DEFAULT_TOP_P;
    private int topK = DEFAULT_TOP_K;
    private int maxNewTokens = DEFAULT_MAX_NEW_TOKENS;
    private List<String> stopStrings = List.of();
    private ImmutableSortedSet<Integer> stopTokenIds = ImmutableSortedSet.of();

    private Builder() {}

    /** Sets the temperature, at least 0 (0 is greedy). Default: {@link Sampling#DEFAULT_TEMPERATURE}. */
    public Builder temperature(double temperature) {
      Preconditions.checkArgument(temperature >= 0 && Double.isFinite(temperature),
          "temperature must be finite and at least 0, found %s", temperature);
      this.temperature = temperature;
      return this;
    }

    /** Sets top-p in (0, 1]. Default: {@link Sampling#DEFAULT_TOP_P}. */
    public Builder topP(double topP) {
      Preconditions.checkArgument(topP > 0 && topP <= 1, "topP must be in (0, 1], found %s", topP);
      this.topP = topP;
      return this;
    }

    /** Sets top-k, at least 0 (0 keeps every token). Default: {@link Sampling#DEFAULT_TOP_K}. */
    public Builder topK(int topK) {
      Preconditions.checkArgument(topK >= 0, "topK must be at least 0, found %s", topK);
      this.topK = topK;
      return this;
    }

    /** Sets the length limit, at least 1. Default: {@link Sampling#DEFAULT_MAX_NEW_TOKENS}. */
    public Builder maxNewTokens(int maxNewTokens) {
      Preconditions.checkArgument(maxNewTokens >= 1, "maxNewTokens must be at least 1, found %s", maxNewTokens);
      this.maxNewTokens = maxNewTokens;
      return this;
    }

    /** Sets the stop strings; none may be empty. Default: none. */
    public Builder stopStrings(List<String> stopStrings) {
      for (String s : stopStrings) {
        Preconditions.checkArgument(s != null && !s.isEmpty(), "stop strings must be non-empty, found %s", stopStrings);
      }
      this.stopStrings = List.copyOf(stopStrings);
      return this;
    }

    /**
     * Sets the stop token ids, each at least 0; a model refuses ids outside its vocabulary when a
     * decoding opens. Default: none.
     */
    public Builder stopTokenIds(Collection<Integer> stopTokenIds) {
      for (Integer id : stopTokenIds) {
        Preconditions.checkArgument(id != null && id >= 0, "stop token ids must be at least 0, found %s", stopTokenIds);
      }
      this.stopTokenIds = ImmutableSortedSet.copyOf(stopTokenIds);
      return this;
    }

    /** Returns the immutable settings. */
    public Sampling build() {
      return new Sampling(this);
    }
  }
}
