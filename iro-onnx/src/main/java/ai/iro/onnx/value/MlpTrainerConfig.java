package ai.iro.onnx.value;

import ai.iro.core.value.FeatureSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * Every setting of an {@link MlpValueTrainer} that affects the heads it trains, with the defaults;
 * made by {@link MlpValueTrainer.Builder} and read by {@link MlpValueTrainer#config()}. Immutable.
 *
 * <p>{@link #describe()} is its canonical text: two configurations describe equally exactly when
 * they train the same heads from the same examples and seed, which is also what {@link #equals}
 * compares. A checkpoint can record it and refuse to resume under another trainer:
 *
 * <pre>{@code
 * MlpTrainerConfig config = MlpValueTrainer.builder().features(source).epochs(5).build().config();
 * String text = config.describe();
 * // MlpValueTrainer/1{features="kjv-tiny", dimension=192, hiddenSizes=[256], activation=RELU, ...}
 * }</pre>
 */
public final class MlpTrainerConfig {
  /**
   * The version of the training algorithm in {@link #describe()}: it changes when equal settings
   * would train different heads, so that an old description no longer matches.
   */
  public static final int ALGORITHM_VERSION = 1;

  /** Default: one hidden layer of 256 units, ample for features of a few hundred dimensions. */
  public static final List<Integer> DEFAULT_HIDDEN_SIZES = List.of(256);
  /** Default: {@link Activation#RELU}. */
  public static final Activation DEFAULT_ACTIVATION = Activation.RELU;
  /** Default: {@link Loss#MSE}, the paper's loss. */
  public static final Loss DEFAULT_LOSS = Loss.MSE;
  /** Default: {@link Optimizer#ADAMW}, the paper's optimiser. */
  public static final Optimizer DEFAULT_OPTIMIZER = Optimizer.ADAMW;
  /** Default: a peak learning rate of 1e-3. */
  public static final double DEFAULT_LEARNING_RATE = 1e-3;
  /** Default: a weight decay of 0.01 (weights only, not biases). */
  public static final double DEFAULT_WEIGHT_DECAY = 0.01;
  /** Default: the learning rate warms up linearly over the first 5% of the planned steps. */
  public static final double DEFAULT_WARMUP = 0.05;
  /** Default: 10 epochs, the paper's. */
  public static final int DEFAULT_EPOCHS = 10;
  /** Default: minibatches of (at most) 256 states. */
  public static final int DEFAULT_BATCH_SIZE = 256;
  /**
   * Default: at least 100 optimiser steps per epoch; smaller data sets get smaller minibatches, so
   * that 10 epochs are enough steps to fit (at 256 states a batch, 5,000 states would give only
   * 200 steps in all).
   */
  public static final int DEFAULT_MIN_STEPS_PER_EPOCH = 100;
  /** Default: 10% of the examples are held out for early stopping. */
  public static final double DEFAULT_VALIDATION_FRACTION = 0.1;
  /** Default: stop after 3 epochs without a better held-out loss. */
  public static final int DEFAULT_PATIENCE = 3;
  /** Default: false, every head starts from fresh random weights (the paper). */
  public static final boolean DEFAULT_WARM_START = false;
  /** Default: false, every head is fitted to the rewards themselves (the paper). */
  public static final boolean DEFAULT_RESIDUAL = false;
  /**
   * Default: feature rows of up to 64 MiB (float32; 87,381 states of 192 features) are held on the
   * heap; larger training sets stream through a disk cache. Either way the heads are the same.
   */
  public static final long DEFAULT_MEMORY_BUDGET = 64L << 20;
  /** Default: a streamed training set's features are computed 256 examples at a time. */
  public static final int DEFAULT_FEATURE_CHUNK = 256;
  /** Default: 0, every prefix state of every example is trained on (no sub-sampling). */
  public static final int DEFAULT_MAX_PREFIX_STATES = 0;

  private final FeatureSource features;
  private final List<Integer> hiddenSizes;
  private final Activation activation;
  private final Loss loss;
  private final Optimizer optimizer;
  private final double learningRate;
  private final double weightDecay;
  private final double warmup;
  private final int epochs;
  private final int batchSize;
  private final int minStepsPerEpoch;
  private final double validationFraction;
  private final int patience;
  private final boolean warmStart;
  private final boolean residual;
  private final long memoryBudget;
  private final int featureChunk;
  private final Optional<Path> cacheDirectory;
  private final int maxPrefixStates;

  /** Takes the builder's settings, which its setters have checked. */
  MlpTrainerConfig(MlpValueTrainer.Builder b) {
    features = b.features;
    hiddenSizes = b.hiddenSizes;
    activation = b.activation;
    loss = b.loss;
    optimizer = b.optimizer;
    learningRate = b.learningRate;
    weightDecay = b.weightDecay;
    warmup = b.warmup;
    epochs = b.epochs;
    batchSize = b.batchSize;
    minStepsPerEpoch = b.minStepsPerEpoch;
    validationFraction = b.validationFraction;
    patience = b.patience;
    warmStart = b.warmStart;
    residual = b.residual;
    memoryBudget = b.memoryBudget;
    featureChunk = b.featureChunk;
    cacheDirectory = b.cacheDirectory;
    maxPrefixStates = b.maxPrefixStates;
  }

  /** The feature source of the heads. */
  public FeatureSource features() {
    return features;
  }

  /** The widths of the hidden layers, input side first. */
  public List<Integer> hiddenSizes() {
    return hiddenSizes;
  }

  /** The hidden layers' activation. */
  public Activation activation() {
    return activation;
  }

  /** The loss. */
  public Loss loss() {
    return loss;
  }

  /** The optimiser. */
  public Optimizer optimizer() {
    return optimizer;
  }

  /** The peak learning rate. */
  public double learningRate() {
    return learningRate;
  }

  /** The weight decay of the weights (not the biases). */
  public double weightDecay() {
    return weightDecay;
  }

  /** The fraction of the planned steps spent warming the learning rate up. */
  public double warmup() {
    return warmup;
  }

  /** The planned epochs. */
  public int epochs() {
    return epochs;
  }

  /** The largest minibatch size in states. */
  public int batchSize() {
    return batchSize;
  }

  /** The fewest optimiser steps per epoch, which shrinks the minibatches of small data sets. */
  public int minStepsPerEpoch() {
    return minStepsPerEpoch;
  }

  /** The fraction of examples held out for early stopping. */
  public double validationFraction() {
    return validationFraction;
  }

  /** The epochs without a better held-out loss after which training stops. */
  public int patience() {
    return patience;
  }

  /**
   * Whether a head of iteration t starts from the weights of the head of iteration t - 1, when
   * that head has the same architecture and features.
   */
  public boolean warmStart() {
    return warmStart;
  }

  /**
   * Whether a head of iteration t is fitted to what the earlier heads mispredict: each prefix
   * state's target minus the earlier stack's score {@code sum_i V_i / beta_i} of that state.
   */
  public boolean residual() {
    return residual;
  }

  /**
   * The most bytes of float32 feature rows a training run holds on the heap; a training set whose
   * rows take more is written to a disk cache, a chunk of examples at a time, and read back one
   * minibatch at a time. Not part of {@link #describe()}: it does not change the heads.
   */
  public long memoryBudget() {
    return memoryBudget;
  }

  /**
   * The examples whose prefix features are computed per {@link FeatureSource#prefixFeatures} call
   * when a training set goes to the disk cache. Not part of {@link #describe()}.
   */
  public int featureChunk() {
    return featureChunk;
  }

  /**
   * The directory of the disk cache; empty for the JVM's temporary directory
   * ({@code java.io.tmpdir}). Not part of {@link #describe()}.
   */
  public Optional<Path> cacheDirectory() {
    return cacheDirectory;
  }

  /**
   * The most prefix states trained on per example, sub-sampled with weights that keep the loss
   * unbiased (see {@link MlpValueTrainer.Builder#maxPrefixStates}); 0 trains on all of them.
   */
  public int maxPrefixStates() {
    return maxPrefixStates;
  }

  /**
   * The canonical text of this configuration: {@code MlpValueTrainer/}{@value #ALGORITHM_VERSION}
   * and then every setting as {@code name=value} in a fixed order, the feature source by its
   * {@link FeatureSource#id()} (quoted) and dimension, enums by name, numbers as {@link Double#toString} or
   * {@link Integer#toString} write them; {@code warmStart=true}, {@code residual=true} and {@code maxPrefixStates} only when set, so that the
   * texts of earlier versions' configurations stay valid. The same on every run and machine, for equal settings.
   */
  public String describe() {
    StringJoiner s = new StringJoiner(", ", "MlpValueTrainer/" + ALGORITHM_VERSION + "{", "}");
    s.add("features=" + quoted(features.id()));
    s.add("dimension=" + features.dimension());
    s.add("hiddenSizes=" + hiddenSizes);
    s.add("activation=" + activation.name());
    s.add("loss=" + loss.name());
    s.add("optimizer=" + optimizer.name());
    s.add("learningRate=" + learningRate);
    s.add("weightDecay=" + weightDecay);
    s.add("warmup=" + warmup);
    s.add("epochs=" + epochs);
    s.add("batchSize=" + batchSize);
    s.add("minStepsPerEpoch=" + minStepsPerEpoch);
    s.add("validationFraction=" + validationFraction);
    s.add("patience=" + patience);
    if (warmStart) {
      s.add("warmStart=true");
    }
    if (residual) {
      s.add("residual=true");
    }
    if (maxPrefixStates != 0) {
      s.add("maxPrefixStates=" + maxPrefixStates);
    }
    return s.toString();
  }

  /** {@code text} in double quotes, with backslashes and double quotes escaped by a backslash. */
  private static String quoted(String text) {
    return '"' + text.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  /** Whether {@code o} is a configuration with the same {@link #describe()}. */
  @Override
  public boolean equals(Object o) {
    return o instanceof MlpTrainerConfig && ((MlpTrainerConfig) o).describe().equals(describe());
  }

  /** The hash of {@link #describe()}. */
  @Override
  public int hashCode() {
    return describe().hashCode();
  }

  /** {@link #describe()}. */
  @Override
  public String toString() {
    return describe();
  }
}
