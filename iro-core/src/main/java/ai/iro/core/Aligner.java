package ai.iro.core;

import ai.iro.core.data.Prompt;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.data.PromptSplit;
import ai.iro.core.internal.PolicyManifest;
import ai.iro.core.model.BaseModel;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.resample.Resampler;
import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.Reweighting;
import ai.iro.core.value.SavableValueFunction;
import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueFunctionLoader;
import ai.iro.core.value.ValueStack;
import ai.iro.core.value.ValueTarget;
import ai.iro.core.value.ValueTrainer;
import com.google.common.base.Preconditions;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Iterative Reweight-then-Optimize: aligns a frozen base model to a reward by training one value
 * function per iteration.
 *
 * <p>Iteration t samples candidates for each of its prompts with the current guided policy
 * (iteration 1: plain samples of the base model; later: chunk-level search guided by
 * {@code sum_{i<t} V_i / beta_i}), scores them with the reward model, keeps what the {@link Reweighting} keeps
 * (the paper: the reward-best per prompt; or every response with {@code softmax} weights), turns
 * every prefix of each kept response into a training state whose target the {@link ValueTarget}
 * gives (the paper: its reward), and trains V_t (the trainer sees the earlier stack, to warm start). The result is an {@link AlignedPolicy}
 * that decodes with the whole stack.
 *
 * <pre>{@code
 * Aligner aligner = Aligner.builder()
 *     .baseModel(model)
 *     .reward(RewardModel.of("sentiment-v1", (prompt, response) -> sentiment(response)))
 *     .valueTrainer(trainer)
 *     .iterations(3)
 *     .seed(42)
 *     .checkpointDirectory(Path.of("run"))     // optional: resumable
 *     .build();
 * AlignedPolicy policy = aligner.align(PromptDataset.of(prompts));
 * }</pre>
 *
 * <p>Immutable; {@link #align} may be called again (with a checkpoint directory it resumes). It runs
 * on the calling thread and calls the reward model, trainer and listener there. Two alignments may
 * run at once when their base model, reward and trainer are thread safe, but never two on one
 * checkpoint directory: they would write the same files.
 */
public final class Aligner {
  /** Default: 3 iterations (the paper's T). */
  public static final int DEFAULT_ITERATIONS = 3;
  /** Default betas of iterations 1, 2, 3 (the paper's schedule); later iterations reuse the last. */
  public static final List<Double> DEFAULT_BETAS = List.of(1.0, 2.0, 2.5);
  /**
   * Default: 16 samples per prompt in iteration 1, the same budget as a W = 4, K = 4 search (the
   * paper's reference code draws 1).
   */
  public static final int DEFAULT_INITIAL_SAMPLES = 16;
  /** Default: 8 prompts per search call. */
  public static final int DEFAULT_BATCH_SIZE = 8;
  /** Default: 42. */
  public static final long DEFAULT_SEED = 42L;
  /** Default: {@code Reweighting.weighted(0.5)}; chosen over the paper's {@code best()} by {@code iro eval}. */
  public static final Reweighting DEFAULT_REWEIGHTING = Reweighting.weighted(0.5);

  private final BaseModel model;
  private final RewardModel reward;
  private final ValueTrainer trainer;
  private final int iterations;
  private final List<Double> betas;
  private final boolean betasSet;
  private final Searcher searcher;
  private final Optional<Resampler> trainingResampler;
  private final Reweighting selection;
  private final ValueTarget valueTarget;
  private final PromptSplit split;
  private final int initialSamples;
  private final int batchSize;
  private final long seed;
  private final Optional<Path> checkpointDirectory;
  private final AlignmentListener listener;
  private final List<ValueFunctionLoader> loaders;

  private Aligner(Builder b) {
    this.model = b.model;
    this.reward = b.reward;
    this.trainer = b.trainer;
    this.iterations = b.iterations;
    this.betasSet = b.betas != null;
    this.betas = betasSet ? Arrays.stream(b.betas).boxed().toList() : defaultBetas(b.iterations);
    this.searcher = b.searcher;
    this.trainingResampler = Optional.ofNullable(b.trainingResampler);
    this.selection = b.selection;
    this.valueTarget = b.valueTarget;
    this.split = b.split;
    this.initialSamples = b.initialSamples;
    this.batchSize = b.batchSize;
    this.seed = b.seed;
    this.checkpointDirectory = Optional.ofNullable(b.checkpointDirectory);
    this.listener = b.listener;
    this.loaders = List.copyOf(b.loaders);
  }

  private static List<Double> defaultBetas(int iterations) {
    List<Double> out = new ArrayList<>();
    for (int t = 0; t < iterations; t++) {
      out.add(DEFAULT_BETAS.get(Math.min(t, DEFAULT_BETAS.size() - 1)));
    }
    return out;
  }

  /** Returns a builder with the paper's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder holding this aligner's settings. */
  public Builder toBuilder() {
    Builder b = new Builder().baseModel(model).reward(reward).valueTrainer(trainer).iterations(iterations)
        .searcher(searcher).reweighting(selection).valueTarget(valueTarget).split(split).initialSamples(initialSamples)
        .batchSize(batchSize).seed(seed).listener(listener).valueLoaders(loaders);
    if (betasSet) {
      b.betas(betas.stream().mapToDouble(Double::doubleValue).toArray());
    }
    trainingResampler.ifPresent(b::trainingResampler);
    checkpointDirectory.ifPresent(b::checkpointDirectory);
    return b;
  }

  /** T, the number of iterations. */
  public int iterations() {
    return iterations;
  }

  /** beta_1 .. beta_T. */
  public List<Double> betas() {
    return betas;
  }

  /**
   * The search settings of the returned policy, and of guided sampling (with the training
   * resampler instead of its own when one is set).
   */
  public Searcher searcher() {
    return searcher;
  }

  /**
   * The search that samples the training answers of iterations 2..T: {@link #searcher()}, with
   * the training resampler when one is set.
   */
  public Searcher trainingSearcher() {
    return trainingResampler.map(r -> searcher.toBuilder().resampler(r).build()).orElse(searcher);
  }

  /** The seed. */
  public long seed() {
    return seed;
  }

  /**
   * Runs the T iterations and returns the aligned policy. The policy picks its final answers with
   * this aligner's reward model ({@link AlignedPolicy#withoutReward} picks by value instead).
   *
   * <p>With a checkpoint directory, each finished iteration is written there atomically; if the
   * directory already holds iterations of this same run (same settings, seed and dataset), they are
   * loaded and the run continues after the last one, giving the same policy as an uninterrupted run,
   * whatever point a crash (even SIGKILL) stopped the earlier run at. Once the directory is known to
   * be this run's, the temporary files and uncommitted value directories a killed run left there
   * are deleted. A refused run ({@link #validate}) changes nothing in the directory.
   *
   * @throws IllegalArgumentException if the dataset is empty or too small for the split, or the
   *     checkpoint directory holds another run's manifest
   * @throws IllegalStateException if the reward model returns a NaN or infinite score (the message
   *     names the prompt and iteration; earlier checkpointed iterations stay loadable)
   * @throws UncheckedIOException if a checkpoint cannot be written or read
   */
  public AlignedPolicy align(PromptDataset dataset) {
    PolicyManifest manifest = checkedManifest(dataset);
    ValueStack stack = ValueStack.empty();
    if (checkpointDirectory.isPresent()) {
      stack = Checkpoints.resume(checkpointDirectory.get(), manifest, loaders);
      if (!manifest.entries().isEmpty()) {
        listener.onResume(stack.size());
      }
    }
    for (int t = stack.size() + 1; t <= iterations; t++) {
      long start = System.nanoTime();
      List<Prompt> prompts = dataset.promptsFor(t, iterations, split, AlignmentSeeds.promptOrder(seed));
      listener.onIterationStart(t, iterations, prompts.size());
      Searcher sampler = t == 1 ? Searcher.bestOfN(initialSamples, searcher.sampling()) : trainingSearcher();
      IterationSamples samples = new IterationSamples(t, reward, selection, valueTarget);
      for (int from = 0, batch = 0; from < prompts.size(); from += batchSize, batch++) {
        List<Prompt> batchPrompts = prompts.subList(from, Math.min(prompts.size(), from + batchSize));
        SearchOutcome outcome = sampler.searchPrompts(model, stack, Optional.empty(), batchPrompts,
            AlignmentSeeds.search(seed, t, batch));
        samples.add(outcome, new SplittableRandom(AlignmentSeeds.reweight(seed, t, batch)));
        listener.onProgress(t, Math.min(prompts.size(), from + batchSize), prompts.size());
      }
      TrainedValue trained = trainer.train(samples.examples(), stack, AlignmentSeeds.training(seed, t));
      double beta = betas.get(t - 1);
      stack = stack.with(trained.function(), beta);
      IterationMetrics metrics = samples.metrics(prompts.size(), trained.loss(),
          Duration.ofNanos(System.nanoTime() - start));
      String directory = "value-" + t;
      String format = trained.function() instanceof SavableValueFunction
          ? ((SavableValueFunction) trained.function()).format() : "unsaved";
      manifest = manifest.withIteration(new PolicyManifest.Entry(beta, format, directory, metrics));
      if (checkpointDirectory.isPresent()) {
        Checkpoints.write(checkpointDirectory.get(), t, directory, trained.function(), manifest);
      }
      listener.onIterationEnd(metrics);
    }
    return new AlignedPolicy(model, stack, searcher, Optional.of(reward), manifest);
  }

  /**
   * Checks, reading but writing nothing, that {@link #align} would start on {@code dataset}: the
   * dataset is not empty and has enough prompts for the split, and the checkpoint directory, if
   * any, holds no manifest or this run's. Tools that write files of their own next to the
   * checkpoint call it first, so that a refused run leaves the directory as it was.
   *
   * @throws IllegalArgumentException as {@link #align} would, before it writes anything
   * @throws UncheckedIOException if the checkpoint's manifest cannot be read
   */
  public void validate(PromptDataset dataset) {
    checkedManifest(dataset);
  }

  /** The checkpoint's manifest when it holds this run, else this run's empty manifest; throws as align. */
  private PolicyManifest checkedManifest(PromptDataset dataset) {
    Objects.requireNonNull(dataset, "dataset");
    Preconditions.checkArgument(!dataset.isEmpty(), "the prompt dataset is empty: alignment needs at least one prompt");
    for (int t = 1; t <= iterations; t++) {
      dataset.promptsFor(t, iterations, split, AlignmentSeeds.promptOrder(seed));
    }
    RunIdentity identity = RunIdentity.of(searcher, trainingResampler.filter(r -> !r.equals(searcher.resampler())),
        iterations, betas, selection, valueTarget, split, initialSamples, batchSize, seed, dataset, reward, trainer);
    PolicyManifest manifest = new PolicyManifest(identity.runId(), identity.parts(), seed, searcher,
        new PolicyManifest.Settings(iterations, selection.spec(), split, initialSamples, batchSize), List.of());
    if (checkpointDirectory.isEmpty()) {
      return manifest;
    }
    return Checkpoints.matching(checkpointDirectory.get(), manifest, identity);
  }

  /** Builder of {@link Aligner}: the base model, reward and value trainer are required. */
  public static final class Builder {
    private BaseModel model;
    private RewardModel reward;
    private ValueTrainer trainer;
    private int iterations = DEFAULT_ITERATIONS;
    private double[] betas;
    private Searcher searcher = Searcher.builder().build();
    private Resampler trainingResampler;
    private Reweighting selection = DEFAULT_REWEIGHTING;
    private ValueTarget valueTarget = ValueTarget.monteCarlo();
    private PromptSplit split = PromptSplit.FRESH_SLICES;
    private int initialSamples = DEFAULT_INITIAL_SAMPLES;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private long seed = DEFAULT_SEED;
    private Path checkpointDirectory;
    private AlignmentListener listener = AlignmentListener.none();
    private List<ValueFunctionLoader> loaders = List.of();

    private Builder() {}

    /** Sets the frozen base model. Required. */
    public Builder baseModel(BaseModel model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** Sets the reward model. Required. */
    public Builder reward(RewardModel reward) {
      this.reward = Objects.requireNonNull(reward, "reward");
      return this;
    }

    /** Sets the trainer of each iteration's value function. Required. */
    public Builder valueTrainer(ValueTrainer trainer) {
      this.trainer = Objects.requireNonNull(trainer, "trainer");
      return this;
    }

    /** Sets T, at least 1. Default: {@link Aligner#DEFAULT_ITERATIONS}. */
    public Builder iterations(int iterations) {
      Preconditions.checkArgument(iterations >= 1, "iterations (T) must be at least 1, found %s", iterations);
      this.iterations = iterations;
      return this;
    }

    /**
     * Sets beta_1 .. beta_T, each positive and finite; their number must equal T. Default:
     * {@link Aligner#DEFAULT_BETAS}, extended with its last value.
     */
    public Builder betas(double... betas) {
      for (int i = 0; i < betas.length; i++) {
        Preconditions.checkArgument(betas[i] > 0 && Double.isFinite(betas[i]),
            "beta %s must be positive and finite, found %s", (Object) (i + 1), betas[i]);
      }
      this.betas = betas.clone();
      return this;
    }

    /**
     * Sets the search of iterations 2..T and of the returned policy: W, K, L, sampling, resampler.
     * Default: {@code Searcher.builder().build()} (W = 4, K = 4, L = 16, diversity-first,
     * temperature 0.7, top-p 0.9, top-k 50).
     */
    public Builder searcher(Searcher searcher) {
      this.searcher = Objects.requireNonNull(searcher, "searcher");
      return this;
    }

    /**
     * Sets the resampler of the search that samples iterations 2..T's training answers; W, K, L and
     * sampling follow {@link #searcher}, and the returned policy keeps the searcher's own resampler.
     * Default: none, the searcher's. With a random rule such as
     * {@code Resamplers.standardized(Resamplers.systematic(0.5))} the survivors at each chunk are
     * drawn with weights rising with their score (particle-filter style) instead of being the best
     * W, so the next value function also sees states the stack ranks below the top: broader
     * training data, at the price of being further from the states the policy's own top-W search
     * visits. It is not an exact sample of {@code pi_0 * exp(sum_i V_i / beta_i)}: the search
     * weighs the whole prefix's score at every chunk, not its increment, at the rule's own
     * temperature. {@code Resamplers.incremental(Resamplers.systematic(1.0))} weighs each chunk's
     * score increment instead (sequential Monte Carlo: a particle approximation of that policy, up
     * to the chunk each row finishes in, which is not weighed; the tilt is in the stack score's
     * units, the reward's divided by beta); {@code Resamplers.standardized(Resamplers.incremental(...))}
     * standardises the increments among a prompt's live candidates first, so the pressure per chunk
     * does not depend on the reward's scale. The run's identity records the rule when it differs from the searcher's.
     */
    public Builder trainingResampler(Resampler resampler) {
      this.trainingResampler = Objects.requireNonNull(resampler, "resampler");
      return this;
    }

    /**
     * Sets which responses of each prompt train the next value function, and with what weight.
     * Default: {@link Aligner#DEFAULT_REWEIGHTING}; {@link Reweighting#best()} is the paper's rule.
     */
    public Builder reweighting(Reweighting reweighting) {
      this.selection = Objects.requireNonNull(reweighting, "reweighting");
      return this;
    }

    /** Sets what a kept response's prefix states are trained toward. Default: {@link ValueTarget#monteCarlo()}. */
    public Builder valueTarget(ValueTarget target) {
      this.valueTarget = Objects.requireNonNull(target, "valueTarget");
      return this;
    }

    /** Sets which prompts each iteration uses. Default: {@link PromptSplit#FRESH_SLICES}. */
    public Builder split(PromptSplit split) {
      this.split = Objects.requireNonNull(split, "split");
      return this;
    }

    /** Sets the samples per prompt of iteration 1, at least 1. Default: {@link Aligner#DEFAULT_INITIAL_SAMPLES}. */
    public Builder initialSamples(int initialSamples) {
      Preconditions.checkArgument(initialSamples >= 1, "initialSamples must be at least 1, found %s", initialSamples);
      this.initialSamples = initialSamples;
      return this;
    }

    /** Sets the prompts per search call, at least 1. Default: {@link Aligner#DEFAULT_BATCH_SIZE}. */
    public Builder batchSize(int batchSize) {
      Preconditions.checkArgument(batchSize >= 1, "batchSize must be at least 1, found %s", batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /** Sets the seed of all randomness. Default: {@link Aligner#DEFAULT_SEED}. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Sets a directory for resumable checkpoints. Value functions must be savable, and the reward
     * model and value trainer identifiable ({@link RewardModel#id()}, {@link ValueTrainer#describe()}),
     * so that a resume with another reward or trainer is refused. Default: none.
     */
    public Builder checkpointDirectory(Path directory) {
      this.checkpointDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /** Sets the progress listener. Default: {@link AlignmentListener#none()}. */
    public Builder listener(AlignmentListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** Adds value-function loaders for resuming, beyond those {@link java.util.ServiceLoader} finds. */
    public Builder valueLoaders(List<ValueFunctionLoader> loaders) {
      this.loaders = List.copyOf(loaders);
      return this;
    }

    /**
     * Returns the aligner.
     *
     * @throws IllegalStateException if the base model, reward or value trainer is missing
     * @throws IllegalArgumentException if explicit betas do not number T, or a checkpointed run's
     *     reward model has no id or its value trainer no description
     */
    public Aligner build() {
      Preconditions.checkState(model != null, "baseModel is required");
      Preconditions.checkState(reward != null, "reward is required");
      Preconditions.checkState(trainer != null, "valueTrainer is required");
      if (checkpointDirectory != null) {
        Preconditions.checkArgument(reward.id().isPresent(), "a checkpointed run needs a reward model with an id, "
            + "so that resuming with another reward is refused: use RewardModel.of(\"name-v1\", function) or "
            + "override RewardModel.id() (%s has none)", reward);
        Preconditions.checkArgument(trainer.describe().isPresent(), "a checkpointed run needs a value trainer "
            + "that describes its settings: override ValueTrainer.describe() (%s has no description)", trainer);
      }
      if (betas != null) {
        Preconditions.checkArgument(betas.length == iterations,
            "betas must number one per iteration: %s betas for %s iterations", betas.length, iterations);
      }
      return new Aligner(this);
    }
  }
}
