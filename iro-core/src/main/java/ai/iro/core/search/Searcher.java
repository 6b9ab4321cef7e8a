package ai.iro.core.search;

import ai.iro.core.internal.Seeds;
import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.core.model.NextTokenDistribution;
import ai.iro.core.resample.Resampler;
import ai.iro.core.resample.Resamplers;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueStack;
import com.google.common.base.Preconditions;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * Chunk-level beam search (CBS) over a frozen base model, guided by a {@link ValueStack}.
 *
 * <p>Per prompt, {@code W * K} rows start from the prompt (sharing its decoding state). Repeatedly,
 * every live row is extended by up to {@code L} sampled tokens, the rows are scored by
 * {@code sum_i V_i / beta_i}, the {@link Resampler} keeps {@code W} survivors and each is forked
 * into {@code K} children; this ends when every row has finished or reached
 * {@link Sampling#maxNewTokens()}. The final answer is the reward model's favourite among the
 * {@code W * K} finals when a reward model is given, else the highest score.
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

  /** The number of final candidates per prompt: W * K, or W with {@link Expansion#ENUMERATE}. */
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
    Preconditions.checkArgument(!prompts.isEmpty(), "prompts must not be empty");
    long start = System.nanoTime();
    Clock clock = new Clock();
    SplittableRandom random = new SplittableRandom(Seeds.derive(seed, 0x5EA2C4L));
    try (Decoding decoding = model.open(prompts, sampling, Seeds.derive(seed, 0xDEC0DEL))) {
      int groups = prompts.size();
      int startRows = expansion == Expansion.SAMPLE ? beamWidth * children : beamWidth;
      clock.time(Phase.REORDER, () -> decoding.reorder(repeatEach(groups, startRows)));
      if (expansion == Expansion.SAMPLE) {
        runSampled(model, decoding, values, groups, random, clock);
      } else {
        runEnumerated(model, decoding, values, groups, random, clock);
      }
      return finish(decoding, values, reward, prompts, clock, start);
    }
  }

  private void runSampled(BaseModel model, Decoding d, ValueStack values, int groups, SplittableRandom random,
      Clock clock) {
    int rowsPerGroup = beamWidth * children;
    int step = Math.min(chunkLength, sampling.maxNewTokens());
    while (!d.allFinished()) {
      clock.time(Phase.MODEL, () -> d.extend(step));
      if (d.allFinished()) {
        break;
      }
      RowTexts texts = new RowTexts(model, d);
      double[] scores = clock.timeScore(() -> score(values, d, texts));
      long t0 = System.nanoTime();
      int[] next = new int[groups * rowsPerGroup];
      int pos = 0;
      for (int g = 0; g < groups; g++) {
        int from = g * rowsPerGroup;
        int[] survivors = resampler.select(
            Arrays.copyOfRange(scores, from, from + rowsPerGroup), texts.list(from, rowsPerGroup), beamWidth, random);
        for (int s : survivors) {
          for (int k = 0; k < children; k++) {
            next[pos++] = from + s;
          }
        }
      }
      clock.add(Phase.RESAMPLE, System.nanoTime() - t0);
      clock.time(Phase.REORDER, () -> d.reorder(next));
    }
  }

  private void runEnumerated(BaseModel model, Decoding d, ValueStack values, int groups, SplittableRandom random,
      Clock clock) {
    while (!d.allFinished()) {
      long t0 = System.nanoTime();
      NextTokenDistribution[] cands = d.candidates(maxCandidates).orElseThrow(() -> new UnsupportedOperationException(
          "token-level search (Expansion.ENUMERATE) needs a base model that exposes next-token candidates; "
              + d.getClass().getName() + " does not"));
      int rows = d.size();
      int rowsPerGroup = rows / groups;
      int expanded = 0;
      for (int r = 0; r < rows; r++) {
        expanded += d.isFinished(r) ? 1 : Math.max(1, cands[r].size());
      }
      int[] parentRows = new int[expanded];
      int[] forced = new int[expanded];
      double[] logProbs = new double[expanded];
      int[] groupStart = new int[groups + 1];
      int at = 0;
      for (int r = 0; r < rows; r++) {
        if (r % rowsPerGroup == 0) {
          groupStart[r / rowsPerGroup] = at;
        }
        if (d.isFinished(r) || cands[r].size() == 0) {
          parentRows[at] = r;
          forced[at++] = -1;
        } else {
          for (int c = 0; c < cands[r].size(); c++) {
            parentRows[at] = r;
            forced[at] = cands[r].token(c);
            logProbs[at++] = cands[r].logProb(c);
          }
        }
      }
      groupStart[groups] = at;
      clock.add(Phase.MODEL, System.nanoTime() - t0);
      clock.time(Phase.REORDER, () -> d.reorder(parentRows));
      clock.time(Phase.MODEL, () -> d.force(forced));
      RowTexts texts = new RowTexts(model, d);
      double[] scores = clock.timeScore(() -> score(values, d, texts));
      long t1 = System.nanoTime();
      int[] next = new int[groups * beamWidth];
      int pos = 0;
      for (int g = 0; g < groups; g++) {
        int from = groupStart[g];
        int n = groupStart[g + 1] - from;
        double[] groupScores = new double[n];
        for (int i = 0; i < n; i++) {
          groupScores[i] = scores[from + i] + logProbs[from + i];
        }
        for (int s : resampler.select(groupScores, texts.list(from, n), beamWidth, random)) {
          next[pos++] = from + s;
        }
      }
      clock.add(Phase.RESAMPLE, System.nanoTime() - t1);
      clock.time(Phase.REORDER, () -> d.reorder(next));
    }
  }

  private SearchOutcome finish(Decoding d, ValueStack values, Optional<RewardModel> reward, List<String> prompts,
      Clock clock, long start) {
    int groups = prompts.size();
    int rows = d.size();
    int perGroup = rows / groups;
    List<String> texts = new ArrayList<>(rows);
    List<String> rowPrompts = new ArrayList<>(rows);
    for (int r = 0; r < rows; r++) {
      texts.add(d.responseText(r));
      rowPrompts.add(d.prompt(r));
    }
    double[] scores = clock.timeScore(() -> score(values, d, RowTexts.of(texts)));
    double[] rewards = null;
    if (reward.isPresent()) {
      long t0 = System.nanoTime();
      rewards = reward.get().score(rowPrompts, texts);
      clock.add(Phase.REWARD, System.nanoTime() - t0);
      if (rewards.length != rows) {
        throw new IllegalStateException("reward model returned " + rewards.length + " scores for " + rows + " responses");
      }
    }
    List<SearchResult> results = new ArrayList<>(groups);
    for (int g = 0; g < groups; g++) {
      List<Candidate> finals = new ArrayList<>(perGroup);
      int best = 0;
      for (int i = 0; i < perGroup; i++) {
        int r = g * perGroup + i;
        OptionalDouble rw = rewards == null ? OptionalDouble.empty() : OptionalDouble.of(rewards[r]);
        finals.add(new Candidate(texts.get(r), d.responseTokens(r), scores[r], rw, d.finishReason(r)));
        double key = rewards == null ? scores[r] : rewards[r];
        double bestKey = rewards == null ? scores[g * perGroup + best] : rewards[g * perGroup + best];
        if (key > bestKey) {
          best = i;
        }
      }
      results.add(new SearchResult(prompts.get(g), finals, best));
    }
    return new SearchOutcome(results, d.tokensGenerated(),
        clock.timings(d.samplingNanos().orElse(0), System.nanoTime() - start));
  }

  /**
   * The stack's scores of every row; no states are built for an empty stack. States decode their
   * text only when a value function reads it, sharing the decoded texts with the resampler.
   */
  private static double[] score(ValueStack values, Decoding d, RowTexts texts) {
    int rows = d.size();
    if (values.isEmpty()) {
      return new double[rows];
    }
    Optional<float[][]> features = d.features();
    List<State> states = new ArrayList<>(rows);
    for (int r = 0; r < rows; r++) {
      Optional<float[]> f = features.isPresent() ? Optional.of(features.get()[r]) : Optional.empty();
      int row = r;
      states.add(State.lazy(d.prompt(r), d.responseTokens(r), tokens -> texts.text(row, tokens), f));
    }
    return values.score(new StateBatch(states));
  }

  /**
   * The response texts of a decoding's rows at one point of the search, each decoded at most once
   * and only when read (by a resampler or a state). A state may read its text after the decoding
   * has moved on, so it decodes its own tokens when the row's text is not yet known.
   */
  private static final class RowTexts {
    private final BaseModel model;
    private final Decoding decoding;
    private final String[] texts;

    private RowTexts(BaseModel model, Decoding decoding, String[] texts) {
      this.model = model;
      this.decoding = decoding;
      this.texts = texts;
    }

    RowTexts(BaseModel model, Decoding decoding) {
      this(model, decoding, new String[decoding.size()]);
    }

    /** Texts already decoded. */
    static RowTexts of(List<String> texts) {
      return new RowTexts(null, null, texts.toArray(new String[0]));
    }

    /** The text of a row, read from the decoding (valid only before the decoding moves on). */
    String text(int row) {
      String t = texts[row];
      if (t == null) {
        t = decoding.responseText(row);
        texts[row] = t;
      }
      return t;
    }

    /** The text of a row whose tokens are given: the row's text when known, else decoded from them. */
    String text(int row, int[] tokens) {
      String t = texts[row];
      if (t == null) {
        t = model.decode(tokens);
        texts[row] = t;
      }
      return t;
    }

    /** Rows {@code from .. from + count) as a list, decoded only when read. */
    List<String> list(int from, int count) {
      return new AbstractList<>() {
        @Override
        public String get(int i) {
          Preconditions.checkElementIndex(i, count);
          return text(from + i);
        }

        @Override
        public int size() {
          return count;
        }
      };
    }
  }

  private static int[] repeatEach(int groups, int times) {
    int[] rows = new int[groups * times];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = i / times;
    }
    return rows;
  }

  @Override
  public String toString() {
    return "Searcher{W=" + beamWidth + ", K=" + children + ", L="
        + (chunkLength == UNBOUNDED ? "unbounded" : chunkLength) + ", expansion=" + expansion
        + ", resampler=" + resampler.spec() + ", " + sampling + "}";
  }

  private enum Phase { MODEL, VALUE, RESAMPLE, REORDER, REWARD }

  /** Accumulates time per phase. */
  private static final class Clock {
    private final long[] nanos = new long[Phase.values().length];

    void add(Phase phase, long n) {
      nanos[phase.ordinal()] += n;
    }

    void time(Phase phase, Runnable r) {
      long t0 = System.nanoTime();
      r.run();
      add(phase, System.nanoTime() - t0);
    }

    double[] timeScore(java.util.function.Supplier<double[]> s) {
      long t0 = System.nanoTime();
      double[] out = s.get();
      add(Phase.VALUE, System.nanoTime() - t0);
      return out;
    }

    SearchTimings timings(long sampling, long total) {
      return new SearchTimings(nanos[0], sampling, nanos[1], nanos[2], nanos[3], nanos[4], total);
    }
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
     *     length other than 1
     */
    public Searcher build() {
      Preconditions.checkArgument(expansion == Expansion.SAMPLE || chunkLength == 1,
          "Expansion.ENUMERATE decides every token: chunkLength (L) must be 1, found %s", chunkLength);
      return new Searcher(this);
    }
  }
}
