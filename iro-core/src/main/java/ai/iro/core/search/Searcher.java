package ai.iro.core.search;

import ai.iro.core.data.Prompt;
import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Sampling;
import ai.iro.core.resample.Resampler;
import ai.iro.core.resample.Resamplers;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.value.ValueStack;
import com.google.common.base.Preconditions;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Chunk-level beam search (CBS) over a frozen base model, guided by a {@link ValueStack}.
 *
 * <p>Per prompt, {@code W * K} rows start from the prompt (sharing its decoding state). Repeatedly,
 * every live row is extended by up to {@code L} sampled tokens and the rows are scored by
 * {@code sum_i V_i / beta_i}. A row that has finished (end of sequence, stop string or
 * {@link Sampling#maxNewTokens()}) leaves the beam for its prompt's <em>pool</em> of finals and is
 * never forked; when more rows finish in one chunk than the pool has room for, the highest-scoring
 * enter first (ties: row order). Among the prompt's live rows only, the {@link Resampler} keeps
 * {@code W} survivors (repeats allowed) and each is forked into {@code K} children. The search of a
 * prompt ends when its pool holds {@code W * K} finals or it has no live row left. The final answer
 * is the reward model's favourite among the pool when a reward model is given, else the highest
 * score (ties: the earlier final).
 *
 * <p>Finals are distinct samples: no final is a copy of another (two rows can still reach the same
 * text by chance, as independent samples can). Budget: at most {@code W * K} rows per prompt are
 * extended in any chunk and every row stops at {@link Sampling#maxNewTokens()}, so a prompt costs
 * at most {@code W * K * maxNewTokens} sampled tokens, the budget of Best-of-{@code W * K}; without
 * early ends it costs exactly that.
 *
 * <p>Best-of-N is {@link #bestOfN} (W = 1, K = N, L unbounded); token-level guided decoding is
 * {@link #tokenLevel} (L = 1 with {@link Expansion#ENUMERATE}).
 *
 * <pre>{@code
 * Searcher cbs = Searcher.builder().beamWidth(4).children(4).chunkLength(16).build();
 * SearchOutcome out = cbs.search(model, values, Optional.empty(), List.of("Blessed are"), 42L);
 * String answer = out.results().get(0).text();
 * }</pre>
 *
 * <p>Immutable and thread safe; each call opens its own {@link Decoding}.
 */
public final class Searcher {
  /** Default: 4 survivors per prompt (the paper's W). */
  public static final int DEFAULT_BEAM_WIDTH = 4;
  /** Default: 4 children per survivor (the paper's K). */
  public static final int DEFAULT_CHILDREN = 4;
  /** Default: 16 tokens per chunk (the paper's L for instruction following). */
  public static final int DEFAULT_CHUNK_LENGTH = 16;
  /** A chunk length that never stops a row before it finishes: Best-of-N's L = infinity. */
  public static final int UNBOUNDED = Integer.MAX_VALUE;
  /** Default: 16 candidates per row and step for {@link Expansion#ENUMERATE}. */
  public static final int DEFAULT_MAX_CANDIDATES = 16;

  private final int beamWidth;
  private final int children;
  private final int chunkLength;
  private final Sampling sampling;
  private final Resampler resampler;
  private final Expansion expansion;
  private final int maxCandidates;

  private Searcher(Builder b) {
    this.beamWidth = b.beamWidth;
    this.children = b.children;
    this.chunkLength = b.chunkLength;
    this.sampling = b.sampling;
    this.resampler = b.resampler;
    this.expansion = b.expansion;
    this.maxCandidates = b.maxCandidates;
  }

  /** Returns a builder with the paper's defaults (W = 4, K = 4, L = 16, diversity-first). */
  public static Builder builder() {
    return new Builder();
  }

  /** Best-of-N: N independent samples, the final pick by reward (or value). */
  public static Searcher bestOfN(int n, Sampling sampling) {
    return builder().beamWidth(1).children(n).chunkLength(UNBOUNDED).sampling(sampling)
        .resampler(Resamplers.topW()).build();
  }

  /**
   * Exact token-level guided decoding: one survivor per prompt, every candidate next token scored,
   * the next token drawn from {@code pi_0(a | s) * exp(score(s + a))}.
   *
   * @param maxCandidates candidates per step; when at least the sampling's top-k (or the
   *     vocabulary) the draw is exact
   */
  public static Searcher tokenLevel(int maxCandidates, Sampling sampling) {
    return builder().beamWidth(1).children(1).chunkLength(1).expansion(Expansion.ENUMERATE)
        .maxCandidates(maxCandidates).resampler(Resamplers.multinomial(1.0)).sampling(sampling).build();
  }

  /** Returns a builder holding this searcher's settings. */
  public Builder toBuilder() {
    return new Builder().beamWidth(beamWidth).children(children).chunkLength(chunkLength)
        .sampling(sampling).resampler(resampler).expansion(expansion).maxCandidates(maxCandidates);
  }

  /** W: survivors kept per prompt at each selection. */
  public int beamWidth() {
    return beamWidth;
  }

  /** K: children per survivor. */
  public int children() {
    return children;
  }

  /** L: tokens per chunk, or {@link #UNBOUNDED}. */
  public int chunkLength() {
    return chunkLength;
  }

  /** The sampling settings passed to the base model. */
  public Sampling sampling() {
    return sampling;
  }

  /** The survivor selection rule. */
  public Resampler resampler() {
    return resampler;
  }

  /** How survivors grow. */
  public Expansion expansion() {
    return expansion;
  }

  /** Candidates per row and step with {@link Expansion#ENUMERATE}. */
  public int maxCandidates() {
    return maxCandidates;
  }

  /**
   * The number of final candidates per prompt: W * K, or W with {@link Expansion#ENUMERATE}. With
   * {@link Expansion#SAMPLE} a prompt gets fewer only when its rows all finish before its pool is
   * full (for instance all at the length limit in one chunk with fewer than W * K rows live).
   */
  public int finalsPerPrompt() {
    return expansion == Expansion.SAMPLE ? beamWidth * children : beamWidth;
  }

  /**
   * Searches for each prompt, all prompts in one batch of rows.
   *
   * @param model the frozen base model
   * @param values the guiding value stack; empty for unguided search
   * @param reward the reward model for the final pick, if one is available at test time
   * @param prompts the prompts, at least one
   * @param seed the seed; the same seed and inputs give the same outcome
   * @throws IllegalStateException if the reward model returns the wrong number of scores
   */
  public SearchOutcome search(
      BaseModel model, ValueStack values, Optional<RewardModel> reward, List<String> prompts, long seed) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(reward, "reward");
    return searchPrompts(model, values, reward, Prompt.ofTexts(prompts), seed);
  }

  /**
   * Searches for each prompt record, as {@link #search} does for texts: the model opens them with
   * {@link BaseModel#openPrompts}, so a chat prompt's whole conversation reaches its chat template,
   * while reward models read each prompt's {@link Prompt#text()}. A plain-text record searches
   * exactly as its text does.
   *
   * @throws UnsupportedOperationException if a prompt is a conversation the model cannot render
   * @throws IllegalStateException if the reward model returns the wrong number of scores
   */
  public SearchOutcome searchPrompts(
      BaseModel model, ValueStack values, Optional<RewardModel> reward, List<Prompt> prompts, long seed) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(reward, "reward");
    Preconditions.checkArgument(!prompts.isEmpty(), "prompts must not be empty");
    return new ChunkSearch(this).run(model, values, reward, List.copyOf(prompts), seed);
  }

  @Override
  public String toString() {
    return "Searcher{W=" + beamWidth + ", K=" + children + ", L="
        + (chunkLength == UNBOUNDED ? "unbounded" : chunkLength) + ", expansion=" + expansion
        + ", resampler=" + resampler.spec() + ", " + sampling + "}";
  }

  /** Builder of {@link Searcher}; each setter validates its value. */
  public static final class Builder {
    private int beamWidth = DEFAULT_BEAM_WIDTH;
    private int children = DEFAULT_CHILDREN;
    private int chunkLength = DEFAULT_CHUNK_LENGTH;
    private Sampling sampling = Sampling.defaults();
    private Resampler resampler = Resamplers.diversityFirst();
    private Expansion expansion = Expansion.SAMPLE;
    private int maxCandidates = DEFAULT_MAX_CANDIDATES;

    private Builder() {}

    /** Sets W, at least 1. Default: {@link Searcher#DEFAULT_BEAM_WIDTH}. */
    public Builder beamWidth(int beamWidth) {
      Preconditions.checkArgument(beamWidth >= 1, "beamWidth (W) must be at least 1, found %s", beamWidth);
      this.beamWidth = beamWidth;
      return this;
    }

    /** Sets K, at least 1. Default: {@link Searcher#DEFAULT_CHILDREN}. */
    public Builder children(int children) {
      Preconditions.checkArgument(children >= 1, "children (K) must be at least 1, found %s", children);
      this.children = children;
      return this;
    }

    /** Sets L, at least 1, or {@link Searcher#UNBOUNDED}. Default: {@link Searcher#DEFAULT_CHUNK_LENGTH}. */
    public Builder chunkLength(int chunkLength) {
      Preconditions.checkArgument(chunkLength >= 1, "chunkLength (L) must be at least 1, found %s", chunkLength);
      this.chunkLength = chunkLength;
      return this;
    }

    /** Sets the sampling settings, including the maximum new tokens. Default: {@link Sampling#defaults()}. */
    public Builder sampling(Sampling sampling) {
      this.sampling = Objects.requireNonNull(sampling, "sampling");
      return this;
    }

    /** Sets the maximum new tokens, keeping the other sampling settings. */
    public Builder maxNewTokens(int maxNewTokens) {
      this.sampling = sampling.toBuilder().maxNewTokens(maxNewTokens).build();
      return this;
    }

    /** Sets the survivor rule. Default: {@link Resamplers#diversityFirst()}. */
    public Builder resampler(Resampler resampler) {
      this.resampler = Objects.requireNonNull(resampler, "resampler");
      return this;
    }

    /** Sets how survivors grow. Default: {@link Expansion#SAMPLE}. */
    public Builder expansion(Expansion expansion) {
      this.expansion = Objects.requireNonNull(expansion, "expansion");
      return this;
    }

    /** Sets the candidates per row and step for {@link Expansion#ENUMERATE}, at least 1. Default: {@link Searcher#DEFAULT_MAX_CANDIDATES}. */
    public Builder maxCandidates(int maxCandidates) {
      Preconditions.checkArgument(maxCandidates >= 1, "maxCandidates must be at least 1, found %s", maxCandidates);
      this.maxCandidates = maxCandidates;
      return this;
    }

    /**
     * Returns the searcher.
     *
     * @throws IllegalArgumentException if {@link Expansion#ENUMERATE} is combined with a chunk
     *     length other than 1, or with a rule that weighs score increments
     *     ({@link Resamplers#incremental})
     */
    public Searcher build() {
      Preconditions.checkArgument(expansion == Expansion.SAMPLE || chunkLength == 1,
          "Expansion.ENUMERATE decides every token: chunkLength (L) must be 1, found %s", chunkLength);
      Preconditions.checkArgument(expansion == Expansion.SAMPLE || !resampler.weighsIncrements(),
          "Expansion.ENUMERATE scores tokens with their log-probabilities, not by increments: resampler %s "
              + "needs Expansion.SAMPLE", resampler.spec());
      return new Searcher(this);
    }
  }
}
