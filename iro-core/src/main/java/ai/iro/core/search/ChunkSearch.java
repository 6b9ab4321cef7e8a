package ai.iro.core.search;

import ai.iro.core.data.Prompt;
import ai.iro.core.internal.Seeds;
import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.NextTokenDistribution;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueStack;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * One call of {@link Searcher#search}: the loop of chunk-level beam search (or of token-level
 * enumeration) over one decoding, and the final pick. Holds the settings of its searcher; used once.
 */
final class ChunkSearch {
  private final Searcher searcher;

  ChunkSearch(Searcher searcher) {
    this.searcher = searcher;
  }

  SearchOutcome run(BaseModel model, ValueStack values, Optional<RewardModel> reward, List<Prompt> prompts, long seed) {
    long start = System.nanoTime();
    Clock clock = new Clock();
    SplittableRandom random = new SplittableRandom(Seeds.derive(seed, 0x5EA2C4L));
    try (Decoding decoding = model.openPrompts(prompts, searcher.sampling(), Seeds.derive(seed, 0xDEC0DEL))) {
      int groups = prompts.size();
      int startRows = searcher.finalsPerPrompt();
      clock.time(Phase.REORDER, () -> decoding.reorder(repeatEach(groups, startRows)));
      List<List<Candidate>> pools = searcher.expansion() == Expansion.SAMPLE
          ? runSampled(model, decoding, values, groups, random, clock)
          : runEnumerated(model, decoding, values, groups, random, clock);
      return finish(pools, decoding, reward, prompts, clock, start);
    }
  }

  /**
   * Chunk-level beam search with a pool of finished candidates per prompt: a row that finishes
   * leaves the beam for its prompt's pool and is never forked; survivors are drawn among live rows
   * only; a prompt's search ends when its pool holds W * K finals or none of its rows is live.
   *
   * @return the pools, one per prompt, each in the order its finals finished
   */
  private List<List<Candidate>> runSampled(BaseModel model, Decoding d, ValueStack values, int groups,
      SplittableRandom random, Clock clock) {
    int finalsPerPrompt = searcher.beamWidth() * searcher.children();
    int step = Math.min(searcher.chunkLength(), searcher.sampling().maxNewTokens());
    List<List<Candidate>> pools = new ArrayList<>(groups);
    for (int g = 0; g < groups; g++) {
      pools.add(new ArrayList<>(finalsPerPrompt));
    }
    int[] groupOf = repeatEach(groups, finalsPerPrompt);
    // With a rule that weighs increments, each row's score is taken relative to the score of the
    // prefix it was forked from; the prompt alone counts 0, a constant within each group.
    boolean increments = searcher.resampler().weighsIncrements();
    double[] parentScores = new double[d.size()];
    while (true) {
      clock.time(Phase.MODEL, () -> d.extend(step));
      RowTexts texts = new RowTexts(model, d);
      double[] scores = clock.timeScore(() -> score(values, d, texts));
      long t0 = System.nanoTime();
      int rows = d.size();
      int[] next = new int[rows * searcher.children()];
      int[] nextGroupOf = new int[next.length];
      double[] nextParentScores = new double[next.length];
      int count = 0;
      for (int from = 0; from < rows; ) {
        int g = groupOf[from];
        int to = from;
        while (to < rows && groupOf[to] == g) {
          to++;
        }
        List<Candidate> pool = pools.get(g);
        admitFinished(d, texts, scores, from, to, pool, finalsPerPrompt);
        int[] live = liveRows(d, from, to);
        if (pool.size() < finalsPerPrompt && live.length > 0) {
          double[] liveScores = new double[live.length];
          for (int i = 0; i < live.length; i++) {
            liveScores[i] = increments ? scores[live[i]] - parentScores[live[i]] : scores[live[i]];
          }
          for (int s : searcher.resampler().select(liveScores, texts.list(live), searcher.beamWidth(), random)) {
            for (int k = 0; k < searcher.children(); k++) {
              nextGroupOf[count] = g;
              nextParentScores[count] = scores[live[s]];
              next[count++] = live[s];
            }
          }
        }
        from = to;
      }
      clock.add(Phase.RESAMPLE, System.nanoTime() - t0);
      if (count == 0) {
        return pools;
      }
      int[] survivors = Arrays.copyOf(next, count);
      clock.time(Phase.REORDER, () -> d.reorder(survivors));
      groupOf = Arrays.copyOf(nextGroupOf, count);
      parentScores = Arrays.copyOf(nextParentScores, count);
    }
  }

  /**
   * Moves the finished rows among {@code from .. to} into the pool while it has room; when more
   * finish in one chunk than it has room for, the highest-scoring enter first (ties: row order).
   */
  private static void admitFinished(Decoding d, RowTexts texts, double[] scores, int from, int to,
      List<Candidate> pool, int capacity) {
    List<Integer> finished = new ArrayList<>();
    for (int r = from; r < to; r++) {
      if (d.isFinished(r)) {
        finished.add(r);
      }
    }
    int room = capacity - pool.size();
    if (finished.size() > room) {
      finished.sort((a, b) -> Double.compare(scores[b], scores[a]));
      finished = new ArrayList<>(finished.subList(0, room));
      finished.sort(null);
    }
    for (int r : finished) {
      pool.add(new Candidate(texts.text(r), d.responseTokens(r), scores[r], OptionalDouble.empty(),
          d.finishReason(r)));
    }
  }

  private static int[] liveRows(Decoding d, int from, int to) {
    int n = 0;
    int[] live = new int[to - from];
    for (int r = from; r < to; r++) {
      if (!d.isFinished(r)) {
        live[n++] = r;
      }
    }
    return Arrays.copyOf(live, n);
  }

  /**
   * Token-level search: every candidate next token of every survivor is scored and W survivors are
   * drawn per prompt; finished rows are carried along unchanged. The W rows of each prompt at the
   * end are its finals.
   */
  private List<List<Candidate>> runEnumerated(BaseModel model, Decoding d, ValueStack values, int groups,
      SplittableRandom random, Clock clock) {
    while (!d.allFinished()) {
      long t0 = System.nanoTime();
      NextTokenDistribution[] cands = d.candidates(searcher.maxCandidates()).orElseThrow(() -> new UnsupportedOperationException(
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
      int[] next = new int[groups * searcher.beamWidth()];
      int pos = 0;
      for (int g = 0; g < groups; g++) {
        int from = groupStart[g];
        int n = groupStart[g + 1] - from;
        double[] groupScores = new double[n];
        for (int i = 0; i < n; i++) {
          groupScores[i] = scores[from + i] + logProbs[from + i];
        }
        for (int s : searcher.resampler().select(groupScores, texts.list(from, n), searcher.beamWidth(), random)) {
          next[pos++] = from + s;
        }
      }
      clock.add(Phase.RESAMPLE, System.nanoTime() - t1);
      clock.time(Phase.REORDER, () -> d.reorder(next));
    }
    int rows = d.size();
    int perGroup = rows / groups;
    List<String> texts = new ArrayList<>(rows);
    for (int r = 0; r < rows; r++) {
      texts.add(d.responseText(r));
    }
    double[] scores = clock.timeScore(() -> score(values, d, RowTexts.of(texts)));
    List<List<Candidate>> pools = new ArrayList<>(groups);
    for (int g = 0; g < groups; g++) {
      List<Candidate> pool = new ArrayList<>(perGroup);
      for (int r = g * perGroup; r < (g + 1) * perGroup; r++) {
        pool.add(new Candidate(texts.get(r), d.responseTokens(r), scores[r], OptionalDouble.empty(), d.finishReason(r)));
      }
      pools.add(pool);
    }
    return pools;
  }

  /**
   * Scores the pooled finals with the reward model, when there is one, and picks each prompt's
   * final answer: the reward argmax, else the value-stack argmax (ties: the earlier final).
   */
  private static SearchOutcome finish(List<List<Candidate>> pools, Decoding d, Optional<RewardModel> reward,
      List<Prompt> prompts, Clock clock, long start) {
    List<String> rowPrompts = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int g = 0; g < pools.size(); g++) {
      for (Candidate c : pools.get(g)) {
        rowPrompts.add(prompts.get(g).text());
        texts.add(c.text());
      }
    }
    double[] rewards = null;
    if (reward.isPresent()) {
      long t0 = System.nanoTime();
      rewards = reward.get().score(rowPrompts, texts);
      clock.add(Phase.REWARD, System.nanoTime() - t0);
      if (rewards.length != texts.size()) {
        throw new IllegalStateException("reward model returned " + rewards.length + " scores for "
            + texts.size() + " responses");
      }
    }
    List<SearchResult> results = new ArrayList<>(pools.size());
    int at = 0;
    for (int g = 0; g < pools.size(); g++) {
      List<Candidate> finals = new ArrayList<>(pools.get(g).size());
      int best = 0;
      for (Candidate c : pools.get(g)) {
        Candidate f = rewards == null ? c
            : new Candidate(c.text(), c.tokens(), c.score(), OptionalDouble.of(rewards[at++]), c.finishReason());
        finals.add(f);
        if (key(f) > key(finals.get(best))) {
          best = finals.size() - 1;
        }
      }
      results.add(new SearchResult(prompts.get(g), finals, best));
    }
    return new SearchOutcome(results, d.tokensGenerated(),
        clock.timings(d.samplingNanos().orElse(0), System.nanoTime() - start));
  }

  /** What the final pick maximises: the reward when known, else the value-stack score. */
  private static double key(Candidate c) {
    return c.reward().isPresent() ? c.reward().getAsDouble() : c.score();
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

  private static int[] repeatEach(int groups, int times) {
    int[] rows = new int[groups * times];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = i / times;
    }
    return rows;
  }
}
