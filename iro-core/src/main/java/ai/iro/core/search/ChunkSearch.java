package ai.iro.core.search;

import ai.iro.core.internal.Seeds;
import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.NextTokenDistribution;
import ai.iro.core.model.Sampling;
import ai.iro.core.resample.Resampler;
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
  private final int beamWidth;
  private final int children;
  private final int chunkLength;
  private final Sampling sampling;
  private final Resampler resampler;
  private final Expansion expansion;
  private final int maxCandidates;

  ChunkSearch(Searcher s) {
    this.beamWidth = s.beamWidth();
    this.children = s.children();
    this.chunkLength = s.chunkLength();
    this.sampling = s.sampling();
    this.resampler = s.resampler();
    this.expansion = s.expansion();
    this.maxCandidates = s.maxCandidates();
  }

  SearchOutcome run(BaseModel model, ValueStack values, Optional<RewardModel> reward, List<String> prompts, long seed) {
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

  private static int[] repeatEach(int groups, int times) {
    int[] rows = new int[groups * times];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = i / times;
    }
    return rows;
  }
}
