package ai.iro.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.data.PromptDataset;
import ai.iro.core.data.PromptSplit;
import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.internal.PolicyManifest;
import ai.iro.core.model.Sampling;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Searcher;
import ai.iro.core.testing.DirectorySnapshot;
import ai.iro.core.testing.TabularProblem;
import ai.iro.core.testing.TabularTrainer;
import ai.iro.core.testing.TabularValue;
import ai.iro.core.value.Reweighting;
import ai.iro.core.value.SavableValueFunction;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueStack;
import ai.iro.core.value.ValueTrainer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import ai.iro.core.value.ValueTarget;
import ai.iro.core.value.ValueExample;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlignerTest {
  private static final Sampling PLAIN = Sampling.builder().temperature(1).topK(0).topP(1)
      .maxNewTokens(TabularProblem.HORIZON).build();

  private final TabularProblem problem = new TabularProblem(21);

  private static PromptDataset prompts(int n) {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      texts.add("prompt " + i);
    }
    return PromptDataset.of(texts);
  }

  private Aligner.Builder aligner() {
    return Aligner.builder()
        .baseModel(problem.model())
        .reward(problem.rewardModel())
        .valueTrainer(new TabularTrainer(problem.model()))
        .searcher(Searcher.builder().beamWidth(2).children(2).chunkLength(1).sampling(PLAIN).build())
        .initialSamples(4)
        .batchSize(50)
        .seed(5);
  }

  private static List<TabularValue> tables(AlignedPolicy policy) {
    return policy.values().terms().stream().map(t -> (TabularValue) t.function()).toList();
  }

  @Test
  void defaultReweightingIsTheMeasuredOne() {
    assertThat(aligner().build().toBuilder().build().align(prompts(8)).manifest().settings().selection())
        .isEqualTo(Aligner.DEFAULT_REWEIGHTING.spec()).isEqualTo("weighted(temperature=0.5)");
  }

  @Test
  void aTrainingResamplerSamplesIterationsTwoOnAndLeavesThePolicysSearchAlone() {
    List<Integer> selections = new ArrayList<>();
    ai.iro.core.resample.Resampler recording = new ai.iro.core.resample.Resampler() {
      @Override
      public int[] select(double[] scores, List<String> texts, int count, java.util.random.RandomGenerator random) {
        selections.add(count);
        return ai.iro.core.resample.Resamplers.diversityFirst().select(scores, texts, count, random);
      }

      @Override
      public String spec() {
        return "recording";
      }
    };
    Aligner plain = aligner().build();
    Aligner withResampler = aligner().trainingResampler(recording).build();
    assertThat(plain.trainingSearcher()).isSameAs(plain.searcher());
    assertThat(withResampler.trainingSearcher().resampler()).isSameAs(recording);
    assertThat(withResampler.toBuilder().build().trainingSearcher().resampler()).isSameAs(recording);

    withResampler.toBuilder().iterations(1).build().align(prompts(8));
    assertThat(selections).as("iteration 1 samples the base model, with no selection").isEmpty();

    AlignedPolicy policy = withResampler.align(prompts(30));
    assertThat(selections).as("iterations 2 and 3 select with it").isNotEmpty();
    assertThat(policy.searcher().resampler()).isEqualTo(plain.searcher().resampler());
    selections.clear();
    policy.search(List.of("prompt 0", "prompt 1"), 3);
    assertThat(selections).as("the policy searches with the searcher's own resampler").isEmpty();

    // Delegating to the searcher's rule, it samples what the plain run samples; only the run's
    // identity names it.
    AlignedPolicy reference = plain.align(prompts(30));
    assertThat(tables(policy)).isEqualTo(tables(reference));
    assertThat(policy.manifest().identity()).containsEntry("trainingResampler", "recording");
    assertThat(reference.manifest().identity()).doesNotContainKey("trainingResampler");
    assertThat(policy.manifest().runId()).isNotEqualTo(reference.manifest().runId());
    AlignedPolicy same = aligner().trainingResampler(ai.iro.core.resample.Resamplers.diversityFirst()).build()
        .align(prompts(30));
    assertThat(same.manifest().runId()).as("the searcher's own rule changes nothing, not even the run's id")
        .isEqualTo(reference.manifest().runId());
  }

  @Test
  void expectedRewardRisesEveryIteration() {
    AlignedPolicy policy = aligner().build().align(prompts(600));
    assertThat(policy.iterations()).isEqualTo(3);
    double[] expected = new double[4];
    for (int t = 0; t <= 3; t++) {
      expected[t] = problem.expectedReward(policy.upTo(t).values());
    }
    System.out.printf("exact expected reward after iterations 0..3: %.4f %.4f %.4f %.4f%n",
        expected[0], expected[1], expected[2], expected[3]);
    assertThat(expected[1]).as("after iteration 1 vs base %s", expected[0]).isGreaterThan(expected[0]);
    assertThat(expected[2]).as("after iteration 2 vs 1").isGreaterThan(expected[1]);
    assertThat(expected[3]).as("after iteration 3 vs 2").isGreaterThan(expected[2]);
    assertThat(policy.values().terms()).extracting(ValueStack.Term::beta).containsExactly(1.0, 2.0, 2.5);
  }

  @Test
  void alignedPolicyPicksByTheAlignersRewardAndByValueOnlyWhenAskedTo() {
    RewardModel reward = problem.rewardModel();
    AlignedPolicy policy = aligner().reward(reward).iterations(1).build().align(prompts(20));
    assertThat(policy.reward()).containsSame(reward);
    List<String> prompts = List.of("prompt 0", "prompt 1", "prompt 2", "prompt 3");
    for (ai.iro.core.search.SearchResult r : policy.search(prompts, 9).results()) {
      double best = r.finals().stream().mapToDouble(c -> c.reward().orElseThrow()).max().orElseThrow();
      assertThat(r.best().reward()).as("the pick of %s is the reward argmax", r.prompt()).hasValue(best);
    }
    AlignedPolicy byValue = policy.withoutReward();
    assertThat(byValue.reward()).isEmpty();
    for (ai.iro.core.search.SearchResult r : byValue.search(prompts, 9).results()) {
      double best = r.finals().stream().mapToDouble(ai.iro.core.search.Candidate::score).max().orElseThrow();
      assertThat(r.best().reward()).isEmpty();
      assertThat(r.best().score()).as("the pick of %s is the value argmax", r.prompt()).isEqualTo(best);
    }
  }

  @Test
  void laterIterationsSampleWithGuidanceSoTheirSamplesScoreHigher() {
    // Guards against iterations t > 1 sampling with an empty stack: the mean reward over *all*
    // sampled finals (not the reward pick) rises only if the search is guided. Rewards lie in
    // [0, 1], so a mean of n samples has a standard error of at most 0.5 / sqrt(n).
    AlignedPolicy policy = aligner().build().align(prompts(1800));
    List<IterationMetrics> its = policy.report().iterations();
    int n = its.get(0).samples();
    double bound = 3 * Math.sqrt(2) * 0.5 / Math.sqrt(n);
    System.out.printf("mean sample reward by iteration: %.4f %.4f %.4f (3-sigma bound of a difference %.4f)%n",
        its.get(0).meanSampleReward(), its.get(1).meanSampleReward(), its.get(2).meanSampleReward(), bound);
    assertThat(its.get(2).meanSampleReward() - its.get(0).meanSampleReward())
        .as("iteration 3's guided samples vs iteration 1's plain samples").isGreaterThan(bound);
    assertThat(its.get(1).meanSampleReward() - its.get(0).meanSampleReward())
        .as("iteration 2's guided samples vs iteration 1's plain samples").isGreaterThan(bound);
  }

  @Test
  void reportCarriesPerIterationMetrics() {
    List<IterationMetrics> seen = new ArrayList<>();
    AlignedPolicy policy = aligner().reweighting(Reweighting.best()).listener(new AlignmentListener() {
      @Override
      public void onIterationEnd(IterationMetrics metrics) {
        seen.add(metrics);
      }
    }).build().align(prompts(300));
    List<IterationMetrics> report = policy.report().iterations();
    assertThat(report).isEqualTo(seen).hasSize(3);
    IterationMetrics first = report.get(0);
    assertThat(first.iteration()).isEqualTo(1);
    assertThat(first.prompts()).isEqualTo(100);
    assertThat(first.samples()).isEqualTo(100 * 4);
    assertThat(first.tokensSampled()).isEqualTo(100 * 4 * TabularProblem.HORIZON);
    assertThat(first.examples()).isEqualTo(100 * (TabularProblem.HORIZON + 1));
    assertThat(first.meanKeptReward()).isGreaterThanOrEqualTo(first.meanSampleReward());
    // Reweighting.best() keeps each prompt's reward-best final, so the best kept reward is the best
    // sampled one (guards against keeping another final; "at most" would hold by construction).
    for (IterationMetrics m : report) {
      assertThat(m.maxKeptReward()).as("iteration %s", m.iteration()).isEqualTo(m.maxSampleReward());
    }
    assertThat(report.get(1).samples()).isEqualTo(100 * 4);
    assertThat(first.valueLoss()).isFinite().isGreaterThanOrEqualTo(0);
  }

  @Test
  void selectionAllTrainsOnEverySample() {
    AlignedPolicy policy = aligner().iterations(1).reweighting(Reweighting.all()).build().align(prompts(20));
    IterationMetrics m = policy.report().iterations().get(0);
    assertThat(m.examples()).isEqualTo(20L * 4 * (TabularProblem.HORIZON + 1));
    assertThat(m.meanKeptReward()).isEqualTo(m.meanSampleReward());
    assertThat(policy.manifest().settings().selection()).isEqualTo("all");
  }

  @Test
  void weightedReweightingAndSoftTargetsReachTheTrainerWithTheirWeightsAndPrefixTargets() {
    List<List<ValueExample>> seen = new ArrayList<>();
    ValueTrainer capturing = new ValueTrainer() {
      private final TabularTrainer inner = new TabularTrainer(problem.model());

      @Override
      public TrainedValue train(List<ValueExample> examples, long seed) {
        seen.add(examples);
        return inner.train(examples, seed);
      }
    };
    aligner().valueTrainer(capturing).iterations(2).reweighting(Reweighting.weighted(0.5))
        .valueTarget(ValueTarget.soft(1.0)).build().align(prompts(20));
    assertThat(seen).hasSize(2);
    for (List<ValueExample> examples : seen) {
      // Every final of every prompt, weights summing to 1 per prompt.
      Map<String, Double> weightOfPrompt = new java.util.HashMap<>();
      for (ValueExample e : examples) {
        weightOfPrompt.merge(e.prompt(), e.weight(), Double::sum);
        // The whole response's soft value over itself alone is its reward.
        assertThat(e.target(e.responseLength())).isCloseTo(e.target(), org.assertj.core.api.Assertions.within(1e-9));
      }
      assertThat(weightOfPrompt).hasSize(10);
      assertThat(weightOfPrompt.values()).allSatisfy(w -> assertThat(w).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-9)));
      assertThat(examples).hasSize(10 * 4);
    }
    // The empty prefix is shared by all of a prompt's finals: one soft value per prompt, at most the best reward.
    Map<String, List<ValueExample>> byPrompt = new java.util.HashMap<>();
    seen.get(0).forEach(e -> byPrompt.computeIfAbsent(e.prompt(), k -> new ArrayList<>()).add(e));
    for (List<ValueExample> group : byPrompt.values()) {
      double root = group.get(0).target(0);
      assertThat(group).allSatisfy(e -> assertThat(e.target(0)).isEqualTo(root));
      assertThat(root).isLessThanOrEqualTo(group.stream().mapToDouble(ValueExample::target).max().orElseThrow() + 1e-9);
    }
  }

  @Test
  void sameSeedSameValueFunctions() {
    assertThat(tables(aligner().build().align(prompts(90)))).isEqualTo(tables(aligner().build().align(prompts(90))));
    assertThat(tables(aligner().seed(6).build().align(prompts(90)))).isNotEqualTo(tables(aligner().build().align(prompts(90))));
  }

  @Test
  void freshSlicesAndReuseSeeDifferentPrompts() {
    List<String> seenFresh = Collections.synchronizedList(new ArrayList<>());
    RewardModel recording = (ps, ys) -> {
      seenFresh.addAll(ps);
      return problem.rewardModel().score(ps, ys);
    };
    aligner().reward(recording).build().align(prompts(9));
    assertThat(seenFresh.stream().distinct()).hasSize(9);
    seenFresh.clear();
    aligner().reward(recording).split(PromptSplit.REUSE).build().align(prompts(2));
    assertThat(seenFresh.stream().distinct()).hasSize(2);
    assertThat(seenFresh).hasSize(2 * 4 * 3);
  }

  @Test
  void interruptedAndResumedRunEqualsUninterruptedRun(@TempDir Path tmp) throws IOException {
    Path interrupted = tmp.resolve("interrupted");
    AlignmentListener stopAfterFirst = new AlignmentListener() {
      @Override
      public void onIterationEnd(IterationMetrics metrics) {
        if (metrics.iteration() == 1) {
          throw new IllegalStateException("simulated crash");
        }
      }
    };
    assertThatThrownBy(() -> aligner().checkpointDirectory(interrupted).listener(stopAfterFirst).build().align(prompts(90)))
        .hasMessage("simulated crash");
    assertThat(AlignedPolicy.load(interrupted, problem.model()).iterations()).isEqualTo(1);

    int[] resumedAfter = {-1};
    AlignedPolicy resumed = aligner().checkpointDirectory(interrupted).listener(new AlignmentListener() {
      @Override
      public void onResume(int completed) {
        resumedAfter[0] = completed;
      }
    }).build().align(prompts(90));
    AlignedPolicy straight = aligner().build().align(prompts(90));

    assertThat(resumedAfter[0]).isEqualTo(1);
    assertThat(tables(resumed)).isEqualTo(tables(straight));
    List<String> eval = List.of("q1", "q2", "q3", "q4");
    assertThat(resumed.generate(eval)).isEqualTo(straight.generate(eval));
    AlignedPolicy loaded = AlignedPolicy.load(interrupted, problem.model());
    assertThat(tables(loaded)).isEqualTo(tables(straight));
    assertThat(loaded.reward()).as("a loaded policy holds no reward model").isEmpty();
    assertThat(loaded.generate(eval)).isEqualTo(straight.withoutReward().generate(eval));
    assertThat(loaded.withReward(problem.rewardModel()).generate(eval)).isEqualTo(straight.generate(eval));
    assertThat(loaded.report().iterations()).extracting(IterationMetrics::meanKeptReward)
        .isEqualTo(straight.report().iterations().stream().map(IterationMetrics::meanKeptReward).toList());
  }

  @Test
  void resumeDeletesWhatAKilledRunLeftAndNothingElse(@TempDir Path tmp) throws IOException {
    Path dir = tmp.resolve("run");
    Path straightDir = tmp.resolve("straight");
    aligner().checkpointDirectory(straightDir).build().align(prompts(90));
    assertThatThrownBy(() -> aligner().checkpointDirectory(dir).listener(failAfter(1)).build().align(prompts(90)))
        .hasMessage("simulated crash");
    // What SIGKILL leaves at the three write steps of iteration 2 (a rename cannot clean up after itself).
    Files.createDirectories(dir.resolve(".value-2-4812390123").resolve("sub"));
    Files.writeString(dir.resolve(".value-2-4812390123").resolve("values.tsv"), "half");
    Files.createDirectories(dir.resolve("value-2"));
    Files.writeString(dir.resolve("value-2").resolve("values.tsv"), "uncommitted");
    Files.createDirectories(dir.resolve("value-3"));
    Files.writeString(dir.resolve(".manifest.json-99112.tmp"), "{\"format\":");
    Files.writeString(dir.resolve("notes.txt"), "the user's own file");
    Files.writeString(dir.resolve(".other.json-123.tmp"), "not a temporary of ours");

    aligner().checkpointDirectory(dir).build().align(prompts(90));

    Map<String, String> resumed = DirectorySnapshot.of(dir, PolicyManifest.FILE_NAME, AlignerTest::withoutWallTimes);
    Map<String, String> straight = DirectorySnapshot.of(straightDir, PolicyManifest.FILE_NAME, AlignerTest::withoutWallTimes);
    assertThat(resumed).containsAllEntriesOf(straight);
    assertThat(resumed.keySet()).as("the leftovers are gone, the user's files stay")
        .containsExactlyInAnyOrderElementsOf(concat(straight.keySet(), "notes.txt", ".other.json-123.tmp"));
  }

  @Test
  void refusedRunChangesNothingInTheCheckpointDirectory(@TempDir Path tmp) throws IOException {
    assertThatThrownBy(() -> aligner().checkpointDirectory(tmp).listener(failAfter(1)).build().align(prompts(90)))
        .hasMessage("simulated crash");
    Files.createDirectories(tmp.resolve(".value-2-77"));
    Files.writeString(tmp.resolve(".manifest.json-5.tmp"), "x");
    Map<String, String> before = DirectorySnapshot.of(tmp);

    Aligner other = aligner().seed(6).checkpointDirectory(tmp).build();
    assertThatThrownBy(() -> other.validate(prompts(90))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("another run's manifest");
    assertThatThrownBy(() -> other.align(prompts(90))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> aligner().checkpointDirectory(tmp).build().align(prompts(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 prompts for 3 iterations");
    assertThat(DirectorySnapshot.of(tmp)).isEqualTo(before);
  }

  @Test
  void validateReadsButWritesNothing(@TempDir Path tmp) {
    Path dir = tmp.resolve("new");
    aligner().checkpointDirectory(dir).build().validate(prompts(90));
    assertThat(dir).doesNotExist();
    assertThatThrownBy(() -> aligner().checkpointDirectory(dir).build().validate(PromptDataset.of(List.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
  }

  private static AlignmentListener failAfter(int iteration) {
    return new AlignmentListener() {
      @Override
      public void onIterationEnd(IterationMetrics metrics) {
        if (metrics.iteration() == iteration) {
          throw new IllegalStateException("simulated crash");
        }
      }
    };
  }

  private static String withoutWallTimes(String manifest) {
    return manifest.replaceAll("\"wallTimeMillis\" : [0-9]+", "\"wallTimeMillis\" : 0");
  }

  private static List<String> concat(java.util.Set<String> keys, String... more) {
    List<String> out = new ArrayList<>(keys);
    out.addAll(List.of(more));
    return out;
  }

  @Test
  void savedPolicyLoadsWithItsSettings(@TempDir Path tmp) throws IOException {
    AlignedPolicy policy = aligner().build().align(prompts(30));
    policy.save(tmp.resolve("p"));
    AlignedPolicy loaded = AlignedPolicy.load(tmp.resolve("p"), problem.model());
    assertThat(tables(loaded)).isEqualTo(tables(policy));
    assertThat(loaded.seed()).isEqualTo(policy.seed());
    assertThat(loaded.searcher().toString()).isEqualTo(policy.searcher().toString());
    assertThat(loaded.generate("hello")).isEqualTo(policy.generate("hello"));
    Searcher stopping = policy.searcher().toBuilder()
        .sampling(PLAIN.toBuilder().stopTokenIds(List.of(2, 7)).build()).build();
    policy.withSearcher(stopping).save(tmp.resolve("stops"));
    assertThat(AlignedPolicy.load(tmp.resolve("stops"), problem.model()).searcher().sampling().stopTokenIds())
        .as("stop token ids are saved with the search").containsExactly(2, 7);
    AlignedPolicy other = aligner().seed(77).build().align(prompts(30));
    assertThatThrownBy(() -> other.save(tmp.resolve("p")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another run");
    assertThat(tables(AlignedPolicy.load(tmp.resolve("p"), problem.model()))).isEqualTo(tables(policy));
  }

  @Test
  void nonFiniteRewardFailsTheIterationNamingThePromptAndKeepsEarlierCheckpoints(@TempDir Path tmp)
      throws IOException {
    int[] calls = {0};
    RewardModel flaky = new RewardModel() {
      @Override
      public double[] score(List<String> ps, List<String> ys) {
        double[] r = problem.rewardModel().score(ps, ys);
        if (++calls[0] > 1) {
          r[3] = Double.NaN;
        }
        return r;
      }

      @Override
      public java.util.Optional<String> id() {
        return java.util.Optional.of("flaky");
      }
    };
    assertThatThrownBy(() -> aligner().reward(flaky).batchSize(100).checkpointDirectory(tmp).build().align(prompts(30)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("NaN")
        .hasMessageContaining("iteration 2")
        .hasMessageMatching("(?s).*prompt \"prompt \\d+\".*");
    assertThat(AlignedPolicy.load(tmp, problem.model()).iterations()).isEqualTo(1);

    RewardModel infinite = RewardModel.of((p, y) -> Double.POSITIVE_INFINITY);
    assertThatThrownBy(() -> aligner().reward(infinite).build().align(prompts(3)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("Infinity")
        .hasMessageContaining("prompt \"prompt 0\"");
  }

  @Test
  void crashWhileSavingAValueFunctionLeavesTheLastGoodCheckpoint(@TempDir Path tmp) throws IOException {
    TabularTrainer real = new TabularTrainer(problem.model());
    int[] trained = {0};
    Aligner failing = aligner().checkpointDirectory(tmp).valueTrainer(new ValueTrainer() {
     @Override
     public java.util.Optional<String> describe() {
       return java.util.Optional.of("tabular, failing to save iteration 2");
     }

     @Override
     public TrainedValue train(List<ai.iro.core.value.ValueExample> examples, long seed) {
      TrainedValue v = real.train(examples, seed);
      if (++trained[0] < 2) {
        return v;
      }
      return new TrainedValue(new SavableValueFunction() {
        @Override
        public double[] values(StateBatch states) {
          return v.function().values(states);
        }

        @Override
        public String format() {
          return TabularValue.FORMAT;
        }

        @Override
        public void save(Path directory) throws IOException {
          Files.writeString(directory.resolve("values.tsv"), "kab\t0.", StandardCharsets.UTF_8);
          throw new IOException("disk full");
        }
      }, v.loss());
     }
    }).build();
    assertThatThrownBy(() -> failing.align(prompts(30))).hasMessageContaining("iteration 2").hasRootCauseMessage("disk full");
    AlignedPolicy survivor = AlignedPolicy.load(tmp, problem.model());
    assertThat(survivor.iterations()).isEqualTo(1);
    try (Stream<Path> files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("manifest.json", "value-1");
    }
  }

  @Test
  void checkpointOfAnotherRunIsRefused(@TempDir Path tmp) {
    aligner().iterations(1).checkpointDirectory(tmp).build().align(prompts(10));
    assertThatThrownBy(() -> aligner().iterations(1).seed(99).checkpointDirectory(tmp).build().align(prompts(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(tmp.toString())
        .hasMessageContaining("another run's manifest")
        .hasMessageContaining("seed: \"5\" there, \"99\" here");
  }

  @Test
  void resumingWithAnotherRewardOrTrainerIsRefusedNamingWhatDiffers(@TempDir Path tmp) {
    aligner().iterations(2).checkpointDirectory(tmp).build().align(prompts(10));
    RewardModel other = RewardModel.of("tabular-v2", (p, y) -> problem.reward(y));
    assertThatThrownBy(() -> aligner().iterations(2).reward(other).checkpointDirectory(tmp).build().align(prompts(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reward: \"tabular\" there, \"tabular-v2\" here")
        .hasMessageNotContaining("valueTrainer:");
    TabularTrainer real = new TabularTrainer(problem.model());
    ValueTrainer tuned = new ValueTrainer() {
      @Override
      public TrainedValue train(List<ai.iro.core.value.ValueExample> examples, long seed) {
        return real.train(examples, seed);
      }

      @Override
      public java.util.Optional<String> describe() {
        return java.util.Optional.of("tabular, tuned");
      }
    };
    assertThatThrownBy(() -> aligner().iterations(2).valueTrainer(tuned).checkpointDirectory(tmp).build()
        .align(prompts(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("valueTrainer: \"" + TabularTrainer.class.getName() + "\" there, \"tabular, tuned\" here");
  }

  @Test
  void checkpointedRunsNeedAnIdentifiableRewardAndTrainer(@TempDir Path tmp) {
    RewardModel anonymous = RewardModel.of((p, y) -> problem.reward(y));
    assertThat(anonymous.id()).isEmpty();
    assertThat(problem.rewardModel().id()).hasValue("tabular");
    assertThatThrownBy(() -> aligner().reward(anonymous).checkpointDirectory(tmp).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("RewardModel.of(\"name-v1\", function)");
    ValueTrainer lambda = (examples, seed) -> new TabularTrainer(problem.model()).train(examples, seed);
    assertThat(lambda.describe()).isEmpty();
    assertThatThrownBy(() -> aligner().valueTrainer(lambda).checkpointDirectory(tmp).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ValueTrainer.describe()");
    assertThat(aligner().reward(anonymous).valueTrainer(lambda).build().iterations()).as("fine without checkpoints")
        .isEqualTo(3);
  }

  @Test
  void manifestOfAnUnknownFormatVersionIsRefused(@TempDir Path tmp) throws IOException {
    aligner().iterations(1).checkpointDirectory(tmp).build().align(prompts(10));
    Path manifest = tmp.resolve(PolicyManifest.FILE_NAME);
    Files.writeString(manifest, Files.readString(manifest).replace("\"formatVersion\" : 1", "\"formatVersion\" : 99"));
    assertThatThrownBy(() -> AlignedPolicy.load(tmp, problem.model()))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(manifest.toString())
        .hasMessageContaining("version 99")
        .hasMessageContaining("reads version 1");
  }

  @Test
  void missingOrCorruptManifestIsReportedWithItsPath(@TempDir Path tmp) throws IOException {
    assertThatThrownBy(() -> AlignedPolicy.load(tmp, problem.model()))
        .isInstanceOf(InvalidPolicyException.class).hasMessageContaining("manifest.json");
    Files.writeString(tmp.resolve("manifest.json"), "{\"format\": \"ai.iro.policy\", \"formatVersion\": 1");
    assertThatThrownBy(() -> AlignedPolicy.load(tmp, problem.model()))
        .isInstanceOf(InvalidPolicyException.class).hasMessageContaining("not valid JSON");
  }

  @Test
  void badSettingsAreRejectedNamingTheValue() {
    assertThatThrownBy(() -> Aligner.builder().iterations(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("iterations (T)").hasMessageContaining("found 0");
    assertThatThrownBy(() -> Aligner.builder().betas(1.0, 0.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("beta 2").hasMessageContaining("found 0.0");
    assertThatThrownBy(() -> Aligner.builder().betas(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("found NaN");
    assertThatThrownBy(() -> Aligner.builder().betas(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("found -1.0");
    assertThatThrownBy(() -> aligner().betas(1, 2).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 betas for 3 iterations");
    assertThatThrownBy(() -> ValueStack.empty().with(s -> new double[0], Double.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("found NaN");
    assertThatThrownBy(() -> Aligner.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("baseModel is required");
    assertThatThrownBy(() -> Searcher.builder().beamWidth(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("W").hasMessageContaining("found 0");
    assertThatThrownBy(() -> Searcher.builder().children(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("K").hasMessageContaining("found 0");
    assertThatThrownBy(() -> Searcher.builder().chunkLength(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("L").hasMessageContaining("found 0");
  }

  @Test
  void emptyOrTooSmallDatasetIsRejected() {
    assertThatThrownBy(() -> aligner().build().align(PromptDataset.of(List.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> aligner().build().align(prompts(2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 prompts for 3 iterations");
  }
}
