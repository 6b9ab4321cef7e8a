package ai.iro.onnx.value;

import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueExample;
import ai.iro.core.value.ValueStack;
import ai.iro.core.value.ValueTrainer;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.primitives.Ints;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;

/**
 * Trains an {@link MlpValueHead} on a {@link FeatureSource}'s features: IRO's value step. Every
 * prefix of every example is a training state with the example's reward as target (or, with
 * {@link Builder#maxPrefixStates}, a weighted sample of them); the features of the examples'
 * prefixes come from one {@link FeatureSource#prefixFeatures} call, or, for a training set larger
 * than {@link Builder#memoryBudget}, from one call per {@link Builder#featureChunk} examples into a
 * temporary disk cache that training reads a minibatch at a time and deletes at its end: peak heap
 * then grows with the minibatch, not with the iteration, and the heads are the same.
 *
 * <p>Training standardises the features (and, for {@link Loss#MSE}, the targets), then runs
 * minibatch Adam or AdamW with a linear warmup and a cosine decay of the learning rate over the
 * planned steps. A fraction of the examples (whole examples, so that the prefixes of one response
 * never sit on both sides) is held out; training stops early when the held-out loss has not improved
 * for {@code patience} epochs and keeps the weights of the best epoch. Forward and backward passes
 * are written out with ND4J matrix products. The same examples and seed give bit-identical weights
 * on the same machine and thread count: initialisation, the split and the shuffles come from a
 * {@link SplittableRandom}, not from ND4J's generator.
 *
 * <p>Two entry points: {@link #train} (the {@link ValueTrainer} contract: examples in, a value
 * function and its loss out) and, below it, {@link #fit} (feature rows in, the head and a report
 * of the run out). The settings are an {@link MlpTrainerConfig}, whose
 * {@link MlpTrainerConfig#describe()} names the trainer in a checkpoint.
 *
 * <pre>{@code
 * MlpValueTrainer trainer = MlpValueTrainer.builder()
 *     .features(lm.features())
 *     .hiddenSizes(256)
 *     .epochs(10)
 *     .build();
 * TrainedValue value = trainer.train(examples, seed);
 * }</pre>
 *
 * <p>Immutable and thread safe; each call trains a fresh head. Training runs BLAS's matrix
 * products on as many threads as BLAS chose when it was loaded (scoring with a head sets them to 1;
 * see {@link MlpValueHead}).
 */
public final class MlpValueTrainer implements ValueTrainer {

  /**
   * The outcome of {@link #fit}.
   *
   * @param head the trained head
   * @param loss its mean squared error on the training states, in the targets' units
   * @param validationLoss its mean squared error on the held-out states, if any were held out
   * @param epochs the epochs run (fewer than planned when stopped early)
   * @param bestEpoch the epoch whose weights the head has, from 1
   * @param steps the optimiser steps taken
   * @param batchSize the minibatch size used
   * @param heldOutErrors the held-out mean squared error, in the targets' units, after each epoch
   *     run (the learning curve; empty when nothing was held out). Early stopping picks the epoch
   *     of the lowest held-out objective (0.5 * MSE on standardised targets, or BCE), which for MSE
   *     heads is the epoch of the lowest entry here
   */
  public record FitResult(MlpValueHead head, double loss, OptionalDouble validationLoss, int epochs,
      int bestEpoch, long steps, int batchSize, List<Double> heldOutErrors) {
    /** Validates the fields and copies the list. */
    public FitResult {
      Objects.requireNonNull(head, "head");
      Objects.requireNonNull(validationLoss, "validationLoss");
      heldOutErrors = List.copyOf(heldOutErrors);
    }
  }

  private final MlpTrainerConfig config;

  private MlpValueTrainer(MlpTrainerConfig config) {
    this.config = config;
  }

  /** A builder with every default of {@link MlpTrainerConfig}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this trainer's settings. */
  public Builder toBuilder() {
    return new Builder(config);
  }

  /** This trainer's settings. */
  public MlpTrainerConfig config() {
    return config;
  }

  /**
   * Trains a head on every prefix state of the examples, holding out whole examples for early
   * stopping: the entry point. The caller owns the returned head and may close it.
   *
   * @param examples the kept responses and their rewards, at least one
   * @param seed the seed of initialisation, the split and the shuffles
   * @return the head (an {@link MlpValueHead}) and its mean squared error on the training states
   * @throws IllegalArgumentException if there are no examples, or BCE targets outside [0, 1]
   * @throws IllegalStateException if the feature source returns prefix features of the wrong shape
   */
  @Override
  public TrainedValue train(List<ValueExample> examples, long seed) {
    return train(examples, ValueStack.empty(), seed);
  }

  /**
   * {@link #train(List, long)}, starting from the last head of {@code previous} when
   * {@link MlpTrainerConfig#warmStart()} is set and that head is an {@link MlpValueHead} of this
   * trainer's architecture and features; otherwise from random weights. With
   * {@link MlpTrainerConfig#residual()}, every state's target is reduced by {@code previous}'s score.
   *
   * @throws IllegalArgumentException as {@link #train(List, long)}, or if residual targets are set
   *     and an earlier head reads other features than this trainer's
   */
  @Override
  public TrainedValue train(List<ValueExample> examples, ValueStack previous, long seed) {
    Optional<Mlp> start = config.warmStart() ? TrainingRun.warmStart(config, previous) : Optional.empty();
    ValueStack baseline = config.residual() ? previous : ValueStack.empty();
    for (ValueStack.Term term : baseline.terms()) {
      if (term.function() instanceof MlpValueHead head
          && !head.featureSource().id().equals(config.features().id())) {
        throw new IllegalArgumentException("residual targets score the earlier heads on this trainer's features ("
            + config.features().id() + "), but an earlier head reads " + head.featureSource().id());
      }
    }
    try (TrainingSet set = ExampleStates.load(config.features(), examples, config.loss(),
        ExampleStates.Options.of(config, seed), baseline)) {
      FitResult fit = NativeThreads.training(() -> new TrainingRun(config, set).run(seed, start));
      return new TrainedValue(fit.head(), fit.loss());
    }
  }

  /**
   * Trains a head on feature rows directly, each row its own state, and reports the run: the
   * lower-level entry point, for features computed elsewhere (benchmarks, tests, other data). The
   * held-out fraction is drawn over rows. The caller owns the returned head.
   *
   * <pre>{@code
   * MlpValueHead head = trainer.fit(rows, targets, 42).head();
   * }</pre>
   *
   * @param features one row of {@code config().features().dimension()} finite values per state
   * @param targets one finite target per row; in [0, 1] for {@link Loss#BCE}
   * @param seed the seed of initialisation, the split and the shuffles
   * @throws IllegalArgumentException if the rows or targets are empty, of mismatched lengths or not
   *     finite, or BCE targets lie outside [0, 1]
   */
  public FitResult fit(float[][] features, double[] targets, long seed) {
    return run(TrainingSet.ofRows(config.features(), features, targets, config.loss()), seed);
  }

  /**
   * All randomness (the split, the initial weights, the shuffles) comes from {@code seed} through
   * local generators; ND4J's process-wide random generator is neither read nor reseeded.
   */
  private FitResult run(TrainingSet set, long seed) {
    return NativeThreads.training(() -> new TrainingRun(config, set).run(seed, Optional.empty()));
  }

  /**
   * {@link MlpTrainerConfig#describe()}: every setting that affects the heads, the feature source's
   * id included, so that a checkpointed run resumed with another trainer configuration is refused.
   */
  @Override
  public Optional<String> describe() {
    return Optional.of(config.describe());
  }

  /** {@link MlpTrainerConfig#describe()}. */
  @Override
  public String toString() {
    return config.describe();
  }

  /** Builds an {@link MlpValueTrainer}; {@link #features} is required, everything else has a default. */
  public static final class Builder {
    FeatureSource features;
    ImmutableList<Integer> hiddenSizes = ImmutableList.copyOf(MlpTrainerConfig.DEFAULT_HIDDEN_SIZES);
    Activation activation = MlpTrainerConfig.DEFAULT_ACTIVATION;
    Loss loss = MlpTrainerConfig.DEFAULT_LOSS;
    Optimizer optimizer = MlpTrainerConfig.DEFAULT_OPTIMIZER;
    double learningRate = MlpTrainerConfig.DEFAULT_LEARNING_RATE;
    double weightDecay = MlpTrainerConfig.DEFAULT_WEIGHT_DECAY;
    double warmup = MlpTrainerConfig.DEFAULT_WARMUP;
    int epochs = MlpTrainerConfig.DEFAULT_EPOCHS;
    int batchSize = MlpTrainerConfig.DEFAULT_BATCH_SIZE;
    int minStepsPerEpoch = MlpTrainerConfig.DEFAULT_MIN_STEPS_PER_EPOCH;
    double validationFraction = MlpTrainerConfig.DEFAULT_VALIDATION_FRACTION;
    int patience = MlpTrainerConfig.DEFAULT_PATIENCE;
    boolean warmStart = MlpTrainerConfig.DEFAULT_WARM_START;
    boolean residual = MlpTrainerConfig.DEFAULT_RESIDUAL;
    long memoryBudget = MlpTrainerConfig.DEFAULT_MEMORY_BUDGET;
    int featureChunk = MlpTrainerConfig.DEFAULT_FEATURE_CHUNK;
    Optional<Path> cacheDirectory = Optional.empty();
    int maxPrefixStates = MlpTrainerConfig.DEFAULT_MAX_PREFIX_STATES;

    private Builder() {}

    private Builder(MlpTrainerConfig c) {
      features = c.features();
      hiddenSizes = ImmutableList.copyOf(c.hiddenSizes());
      activation = c.activation();
      loss = c.loss();
      optimizer = c.optimizer();
      learningRate = c.learningRate();
      weightDecay = c.weightDecay();
      warmup = c.warmup();
      epochs = c.epochs();
      batchSize = c.batchSize();
      minStepsPerEpoch = c.minStepsPerEpoch();
      validationFraction = c.validationFraction();
      patience = c.patience();
      warmStart = c.warmStart();
      residual = c.residual();
      memoryBudget = c.memoryBudget();
      featureChunk = c.featureChunk();
      cacheDirectory = c.cacheDirectory();
      maxPrefixStates = c.maxPrefixStates();
    }

    /** The source of the heads' features. Required. */
    public Builder features(FeatureSource source) {
      this.features = Objects.requireNonNull(source, "features");
      return this;
    }

    /**
     * The widths of the hidden layers, input side first; at least one, each positive. Default:
     * {@link MlpTrainerConfig#DEFAULT_HIDDEN_SIZES}.
     */
    public Builder hiddenSizes(int... sizes) {
      Preconditions.checkArgument(sizes.length > 0, "hiddenSizes must not be empty");
      for (int s : sizes) {
        Preconditions.checkArgument(s > 0, "hiddenSizes must be positive, found %s", Arrays.toString(sizes));
      }
      this.hiddenSizes = ImmutableList.copyOf(Ints.asList(sizes));
      return this;
    }

    /** The hidden layers' activation. Default: {@link MlpTrainerConfig#DEFAULT_ACTIVATION}. */
    public Builder activation(Activation activation) {
      this.activation = Objects.requireNonNull(activation, "activation");
      return this;
    }

    /** The loss. Default: {@link MlpTrainerConfig#DEFAULT_LOSS}. */
    public Builder loss(Loss loss) {
      this.loss = Objects.requireNonNull(loss, "loss");
      return this;
    }

    /** The optimiser. Default: {@link MlpTrainerConfig#DEFAULT_OPTIMIZER}. */
    public Builder optimizer(Optimizer optimizer) {
      this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
      return this;
    }

    /** The peak learning rate, positive and finite. Default: {@link MlpTrainerConfig#DEFAULT_LEARNING_RATE}. */
    public Builder learningRate(double rate) {
      Preconditions.checkArgument(rate > 0 && Double.isFinite(rate),
          "learningRate must be positive and finite, found %s", rate);
      this.learningRate = rate;
      return this;
    }

    /**
     * The weight decay of the weights (not the biases), at least 0 and finite. Default:
     * {@link MlpTrainerConfig#DEFAULT_WEIGHT_DECAY}.
     */
    public Builder weightDecay(double decay) {
      Preconditions.checkArgument(decay >= 0 && Double.isFinite(decay),
          "weightDecay must be non-negative and finite, found %s", decay);
      this.weightDecay = decay;
      return this;
    }

    /** The fraction of the planned steps spent warming up, in [0, 1). Default: {@link MlpTrainerConfig#DEFAULT_WARMUP}. */
    public Builder warmup(double fraction) {
      Preconditions.checkArgument(fraction >= 0 && fraction < 1, "warmup must be in [0, 1), found %s", fraction);
      this.warmup = fraction;
      return this;
    }

    /** The planned epochs, at least 1. Default: {@link MlpTrainerConfig#DEFAULT_EPOCHS}. */
    public Builder epochs(int epochs) {
      Preconditions.checkArgument(epochs >= 1, "epochs must be at least 1, found %s", epochs);
      this.epochs = epochs;
      return this;
    }

    /**
     * The largest minibatch size in states, at least 1; smaller when the data set is too small for
     * {@link #minStepsPerEpoch}. Default: {@link MlpTrainerConfig#DEFAULT_BATCH_SIZE}.
     */
    public Builder batchSize(int size) {
      Preconditions.checkArgument(size >= 1, "batchSize must be at least 1, found %s", size);
      this.batchSize = size;
      return this;
    }

    /**
     * The fewest optimiser steps per epoch, at least 1: minibatches shrink to
     * {@code ceil(trainingStates / steps)} states when that is below {@link #batchSize}; 1 keeps
     * {@link #batchSize} always. Default: {@link MlpTrainerConfig#DEFAULT_MIN_STEPS_PER_EPOCH}.
     */
    public Builder minStepsPerEpoch(int steps) {
      Preconditions.checkArgument(steps >= 1, "minStepsPerEpoch must be at least 1, found %s", steps);
      this.minStepsPerEpoch = steps;
      return this;
    }

    /**
     * The fraction of examples held out for early stopping, in [0, 1); 0 trains on everything for
     * every epoch. Default: {@link MlpTrainerConfig#DEFAULT_VALIDATION_FRACTION}.
     */
    public Builder validationFraction(double fraction) {
      Preconditions.checkArgument(fraction >= 0 && fraction < 1,
          "validationFraction must be in [0, 1), found %s", fraction);
      this.validationFraction = fraction;
      return this;
    }

    /**
     * The epochs without a better held-out loss after which training stops, at least 1. Default:
     * {@link MlpTrainerConfig#DEFAULT_PATIENCE}.
     */
    public Builder patience(int epochs) {
      Preconditions.checkArgument(epochs >= 1, "patience must be at least 1, found %s", epochs);
      this.patience = epochs;
      return this;
    }

    /**
     * Whether each head starts from the previous iteration's head (same architecture and
     * features; otherwise from random weights) instead of random weights: the previous head's
     * feature standardisation is kept and its output layer rescaled to the new targets. Default:
     * {@link MlpTrainerConfig#DEFAULT_WARM_START}.
     */
    public Builder warmStart(boolean warmStart) {
      this.warmStart = warmStart;
      return this;
    }

    /**
     * Whether each head is fitted to the residual of the earlier stack (boosting): a prefix
     * state's target becomes its target minus the earlier heads' score {@code sum_i V_i / beta_i}
     * of the state, so that the stack plus the new head over its beta moves toward the rewards
     * by 1 / beta of what it missed, measured on the states the guided policy now visits. The first
     * head, with no stack before it, fits the targets themselves. The earlier heads must read
     * features only (as {@link MlpValueHead}s do; a function that reads a prefix's text is
     * refused). Needs {@link Loss#MSE}. Default: {@link MlpTrainerConfig#DEFAULT_RESIDUAL}.
     */
    public Builder residual(boolean residual) {
      this.residual = residual;
      return this;
    }

    /**
     * The most bytes of float32 feature rows ({@code states x dimension x 4}) held on the heap, at
     * least 0 (0 always streams). A larger set streams: {@link #featureChunk} examples at a time go
     * to a temporary file, read a minibatch at a time and deleted at the end, also on failure; the
     * heap then holds about 40 bytes per state instead of {@code 4 x dimension}. Same heads either
     * way. Default: {@link MlpTrainerConfig#DEFAULT_MEMORY_BUDGET}.
     */
    public Builder memoryBudget(long bytes) {
      Preconditions.checkArgument(bytes >= 0, "memoryBudget must be non-negative, found %s", bytes);
      this.memoryBudget = bytes;
      return this;
    }

    /** Examples per prefix-feature call when a set streams, >= 1. Default: {@link MlpTrainerConfig#DEFAULT_FEATURE_CHUNK}. */
    public Builder featureChunk(int examples) {
      Preconditions.checkArgument(examples >= 1, "featureChunk must be at least 1, found %s", examples);
      this.featureChunk = examples;
      return this;
    }

    /** The directory of a streaming set's temporary feature file. Default: {@code java.io.tmpdir}. */
    public Builder cacheDirectory(Path directory) {
      this.cacheDirectory = Optional.of(Objects.requireNonNull(directory, "cacheDirectory"));
      return this;
    }

    /**
     * The most prefix states trained on per example: 0 (all of them) or at least 2. An example of
     * {@code n > max} states keeps its last state (the complete response) with weight 1 and a
     * seeded uniform sample of {@code max - 1} of its other {@code n - 1} states, each with weight
     * {@code (n - 1) / (max - 1)}, the inverse of its chance of being kept: the weighted loss over
     * the kept states is an unbiased estimate of the loss over all states, at {@code max / n} of the
     * memory and fitting time (the features of all states are still computed). The weights
     * multiply the example's own. The draw comes from the training seed. Default:
     * {@link MlpTrainerConfig#DEFAULT_MAX_PREFIX_STATES}.
     */
    public Builder maxPrefixStates(int max) {
      Preconditions.checkArgument(max == 0 || max >= 2, "maxPrefixStates must be 0 (all) or at least 2, found %s",
          max);
      this.maxPrefixStates = max;
      return this;
    }

    /**
     * Builds the trainer.
     *
     * @throws IllegalStateException if no feature source was given
     */
    public MlpValueTrainer build() {
      if (features == null) {
        throw new IllegalStateException("features is required: give the feature source of the heads");
      }
      if (residual && loss != Loss.MSE) {
        throw new IllegalStateException("residual(true) needs Loss.MSE: residual targets are not probabilities, found "
            + loss);
      }
      return new MlpValueTrainer(new MlpTrainerConfig(this));
    }
  }
}
