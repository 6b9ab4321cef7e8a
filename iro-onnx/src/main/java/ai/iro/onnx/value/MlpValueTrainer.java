package ai.iro.onnx.value;

import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueExample;
import ai.iro.core.value.ValueTrainer;
import ai.iro.onnx.features.ModelFeatures;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.primitives.Ints;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Trains an {@link MlpValueHead} on a {@link FeatureSource}'s features: IRO's value step. Every
 * prefix of every example is a training state with the example's reward as target; the features
 * of an example's prefixes come from one {@link FeatureSource#prefixFeatures} call.
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
 * <pre>{@code
 * ValueTrainer trainer = MlpValueTrainer.builder()
 *     .features(new ModelFeatures("kjv-tiny", 192, lm::prefixFeatures))
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

  /** The optimiser. */
  public enum Optimizer {
    /** Adam; the weight decay is an L2 term added to the gradient (as in PyTorch's {@code Adam}). */
    ADAM,
    /** AdamW: Adam with the weight decay applied to the weights directly, decoupled from the gradient. */
    ADAMW
  }

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

  private static final double BETA1 = 0.9;
  private static final double BETA2 = 0.999;
  private static final double ADAM_EPSILON = 1e-8;
  /** Features whose training standard deviation is below this are only centred, not scaled. */
  private static final double MIN_STD = 1e-6;
  /** Rows per forward pass when evaluating a whole data set. */
  private static final int EVAL_CHUNK = 8192;
  /** Keeps a BCE head's initial output bias finite when all targets are 0 or 1. */
  private static final double BCE_PRIOR_CLAMP = 1e-3;

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
   */
  public record FitResult(MlpValueHead head, double loss, OptionalDouble validationLoss, int epochs,
      int bestEpoch, long steps, int batchSize) {
    /** Validates the fields. */
    public FitResult {
      Objects.requireNonNull(head, "head");
      Objects.requireNonNull(validationLoss, "validationLoss");
    }
  }

  private final FeatureSource features;
  private final ImmutableList<Integer> hiddenSizes;
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

  private MlpValueTrainer(Builder b) {
    this.features = b.features;
    this.hiddenSizes = b.hiddenSizes;
    this.activation = b.activation;
    this.loss = b.loss;
    this.optimizer = b.optimizer;
    this.learningRate = b.learningRate;
    this.weightDecay = b.weightDecay;
    this.warmup = b.warmup;
    this.epochs = b.epochs;
    this.batchSize = b.batchSize;
    this.minStepsPerEpoch = b.minStepsPerEpoch;
    this.validationFraction = b.validationFraction;
    this.patience = b.patience;
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this trainer's settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The feature source of the heads this trainer makes. */
  public FeatureSource features() {
    return features;
  }

  /** The widths of the hidden layers. */
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

  /** The weight decay. */
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

  /** The epochs without improvement after which training stops. */
  public int patience() {
    return patience;
  }

  /**
   * Trains a head on every prefix state of the examples: {@link #fit(List, long)} as a
   * {@link ValueTrainer}.
   *
   * @return the head (an {@link MlpValueHead}) and its mean squared error on the training states
   * @throws IllegalArgumentException if there are no examples, or BCE targets outside [0, 1]
   */
  @Override
  public TrainedValue train(List<ValueExample> examples, long seed) {
    FitResult fit = fit(examples, seed);
    return new TrainedValue(fit.head(), fit.loss());
  }

  /**
   * Trains a head on every prefix state of the examples, holding out whole examples for early
   * stopping. The caller owns the returned head.
   *
   * @param examples the kept responses and their rewards, at least one
   * @param seed the seed of initialisation, the split and the shuffles
   * @throws IllegalArgumentException if there are no examples, or BCE targets outside [0, 1]
   * @throws IllegalStateException if the feature source returns prefix features of the wrong shape
   */
  public FitResult fit(List<ValueExample> examples, long seed) {
    Preconditions.checkArgument(!examples.isEmpty(), "examples must not be empty");
    if (loss == Loss.BCE) {
      for (int e = 0; e < examples.size(); e++) {
        checkBceTarget(examples.get(e).target(), "example " + e);
      }
    }
    List<float[][]> prefixes = features.prefixFeatures(examples);
    if (prefixes.size() != examples.size()) {
      throw new IllegalStateException(features.id() + " returned prefix features for " + prefixes.size()
          + " examples, expected " + examples.size());
    }
    int total = 0;
    for (int e = 0; e < examples.size(); e++) {
      float[][] p = prefixes.get(e);
      int expected = examples.get(e).responseLength() + 1;
      if (p.length != expected) {
        throw new IllegalStateException(features.id() + " returned " + p.length + " prefix rows for example "
            + e + ", expected " + expected + " (response length + 1)");
      }
      total = Math.addExact(total, p.length);
    }
    float[][] rows = new float[total][];
    double[] targets = new double[total];
    int[] groups = new int[total];
    int k = 0;
    for (int e = 0; e < examples.size(); e++) {
      for (float[] row : prefixes.get(e)) {
        rows[k] = row;
        targets[k] = examples.get(e).target();
        groups[k] = e;
        k++;
      }
    }
    return fit(rows, targets, groups, examples.size(), seed);
  }

  /**
   * Trains a head on feature rows directly, each row its own state; the held-out fraction is drawn
   * over rows. The caller owns the returned head.
   *
   * @param features one row of {@code features().dimension()} finite values per state
   * @param targets one finite target per row; in [0, 1] for {@link Loss#BCE}
   * @param seed the seed of initialisation, the split and the shuffles
   * @throws IllegalArgumentException if the rows or targets are empty, of mismatched lengths or not
   *     finite, or BCE targets lie outside [0, 1]
   */
  public FitResult fit(float[][] features, double[] targets, long seed) {
    int[] groups = new int[features.length];
    Arrays.setAll(groups, i -> i);
    return fit(features, targets, groups, features.length, seed);
  }

  private FitResult fit(float[][] x, double[] y, int[] groups, int groupCount, long seed) {
    validate(x, y);
    Nd4j.getRandom().setSeed(seed);
    return Mlp.training(() -> train(x, y, groups, groupCount, seed));
  }

  private FitResult train(float[][] x, double[] y, int[] groups, int groupCount, long seed) {
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom splitRandom = root.split();
    SplittableRandom initRandom = root.split();
    SplittableRandom shuffleRandom = root.split();

    // Hold out whole groups (examples), so that one response's prefixes never sit on both sides.
    int held = Math.min((int) Math.floor(validationFraction * groupCount), groupCount - 1);
    boolean[] heldOut = new boolean[groupCount];
    int[] order = permutation(groupCount, splitRandom);
    for (int i = 0; i < held; i++) {
      heldOut[order[i]] = true;
    }
    int[] trainRows = rowsWhere(groups, heldOut, false);
    int[] validRows = rowsWhere(groups, heldOut, true);

    int d = features.dimension();
    float[] mean = new float[d];
    float[] std = new float[d];
    moments(x, trainRows, mean, std);
    float[] scale = new float[d];
    for (int j = 0; j < d; j++) {
      scale[j] = 1f / std[j];
    }

    // MSE trains on standardised targets and folds the scale back into the output layer at the end.
    double targetMean = 0;
    double targetStd = 1;
    if (loss == Loss.MSE) {
      for (int r : trainRows) {
        targetMean += y[r];
      }
      targetMean /= trainRows.length;
      double ss = 0;
      for (int r : trainRows) {
        ss += (y[r] - targetMean) * (y[r] - targetMean);
      }
      targetStd = Math.sqrt(ss / trainRows.length);
      if (!(targetStd > MIN_STD)) {
        targetStd = 1;
      }
    }
    float[] trainTargets = scaledTargets(y, trainRows, targetMean, targetStd);
    float[] validTargets = scaledTargets(y, validRows, targetMean, targetStd);

    int[] sizes = new int[hiddenSizes.size() + 2];
    sizes[0] = d;
    for (int l = 0; l < hiddenSizes.size(); l++) {
      sizes[l + 1] = hiddenSizes.get(l);
    }
    sizes[sizes.length - 1] = 1;
    int layers = sizes.length - 1;
    INDArray[] weights = new INDArray[layers];
    INDArray[] biases = new INDArray[layers];
    for (int l = 0; l < layers; l++) {
      boolean last = l == layers - 1;
      // He initialisation before ReLU and GELU, Xavier before tanh and the linear output.
      double gain = !last && activation != Activation.TANH ? 2.0 : 1.0;
      weights[l] = gaussian(sizes[l], sizes[l + 1], Math.sqrt(gain / sizes[l]), initRandom);
      biases[l] = Nd4j.zeros(DataType.FLOAT, 1, sizes[l + 1]);
    }
    if (loss == Loss.BCE) {
      double prior = 0;
      for (float t : trainTargets) {
        prior += t;
      }
      prior = Math.min(Math.max(prior / trainTargets.length, BCE_PRIOR_CLAMP), 1 - BCE_PRIOR_CLAMP);
      biases[layers - 1].assign(Math.log(prior / (1 - prior)));
    }
    Mlp mlp = new Mlp(sizes, activation, mean, std, weights, biases);

    INDArray xTrain = standardised(x, trainRows, mean, scale);
    INDArray xValid = validRows.length == 0 ? null : standardised(x, validRows, mean, scale);
    int n = trainRows.length;
    int minibatch = Math.max(1, Math.min(batchSize, (n + minStepsPerEpoch - 1) / minStepsPerEpoch));
    Optimisation opt = new Optimisation(mlp, minibatch);
    try {
      int stepsPerEpoch = (n + minibatch - 1) / minibatch;
      long plannedSteps = (long) stepsPerEpoch * epochs;
      long warmupSteps = (long) Math.ceil(warmup * plannedSteps);
      double bestLoss = Double.POSITIVE_INFINITY;
      int bestEpoch = 0;
      int epochsRun = 0;
      int[] rows = new int[n];
      Arrays.setAll(rows, i -> i);
      for (int epoch = 1; epoch <= epochs; epoch++) {
        shuffle(rows, shuffleRandom);
        for (int start = 0; start < n; start += minibatch) {
          int[] batch = Arrays.copyOfRange(rows, start, Math.min(n, start + minibatch));
          opt.step(xTrain, trainTargets, batch, learningRateAt(learningRate, opt.steps, warmupSteps, plannedSteps));
        }
        epochsRun = epoch;
        if (xValid == null) {
          bestEpoch = epoch;
          continue;
        }
        double validLoss = objective(mlp, xValid, validTargets);
        if (validLoss < bestLoss) {
          bestLoss = validLoss;
          bestEpoch = epoch;
          opt.remember();
        } else if (epoch - bestEpoch >= patience) {
          break;
        }
      }
      if (xValid != null) {
        opt.restore();
      }
      // Undo the target standardisation inside the output layer: the head predicts raw targets.
      if (loss == Loss.MSE) {
        weights[layers - 1].muli(targetStd);
        biases[layers - 1].muli(targetStd).addi(targetMean);
      }
      MlpValueHead head = new MlpValueHead(features, loss, mlp);
      double trainLoss = meanSquaredError(head, xTrain, y, trainRows);
      OptionalDouble validLoss = xValid == null ? OptionalDouble.empty()
          : OptionalDouble.of(meanSquaredError(head, xValid, y, validRows));
      return new FitResult(head, trainLoss, validLoss, epochsRun, bestEpoch, opt.steps, minibatch);
    } finally {
      opt.close();
      xTrain.close();
      if (xValid != null) {
        xValid.close();
      }
    }
  }

  private static float[] scaledTargets(double[] y, int[] rows, double mean, double std) {
    float[] out = new float[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = (float) ((y[rows[i]] - mean) / std);
    }
    return out;
  }

  /**
   * The state of one training run: the optimiser's moments, the best weights so far, and every
   * array a step needs, allocated once (an ND4J allocation costs more than the element-wise work of
   * a step).
   */
  private final class Optimisation {
    private final Mlp mlp;
    private final INDArray[] params;
    private final FloatBuffer[] paramData;
    private final INDArray[] grads;
    private final FloatBuffer[] gradData;
    private final float[][] first;
    private final float[][] second;
    private final float[][] best;
    private final StepArrays full;
    private StepArrays partial;
    long steps;

    Optimisation(Mlp mlp, int minibatch) {
      this.mlp = mlp;
      int layers = mlp.layers();
      params = new INDArray[2 * layers];
      grads = new INDArray[2 * layers];
      for (int l = 0; l < layers; l++) {
        params[2 * l] = mlp.weights[l];
        params[2 * l + 1] = mlp.biases[l];
        grads[2 * l] = Nd4j.create(DataType.FLOAT, mlp.sizes[l], mlp.sizes[l + 1]);
        grads[2 * l + 1] = Nd4j.create(DataType.FLOAT, 1, mlp.sizes[l + 1]);
      }
      paramData = new FloatBuffer[params.length];
      gradData = new FloatBuffer[params.length];
      first = new float[params.length][];
      second = new float[params.length][];
      best = new float[params.length][];
      for (int p = 0; p < params.length; p++) {
        paramData[p] = params[p].data().asNioFloat();
        gradData[p] = grads[p].data().asNioFloat();
        int length = (int) params[p].length();
        first[p] = new float[length];
        second[p] = new float[length];
        best[p] = new float[length];
      }
      full = new StepArrays(minibatch, mlp.sizes);
    }

    /** One optimiser step on rows {@code batch} of the standardised training matrix. */
    void step(INDArray xTrain, float[] targets, int[] batch, double rate) {
      StepArrays s = batch.length == full.rows ? full : partial(batch.length);
      int layers = mlp.layers();
      Nd4j.pullRows(xTrain, s.x, 1, batch);
      FloatBuffer target = s.target.data().asNioFloat();
      for (int i = 0; i < batch.length; i++) {
        target.put(i, targets[batch[i]]);
      }
      INDArray input = s.x;
      for (int l = 0; l < layers; l++) {
        Mlp.affine(s.ones, input, mlp.weights[l], mlp.biases[l], s.z[l]);
        if (l < layers - 1) {
          mlp.activation.apply(s.z[l], s.a[l]);
          input = s.a[l];
        }
      }
      // The gradient of the batch's mean loss by the output: (out - y) / b for 0.5 * MSE, and
      // (sigmoid(out) - y) / b for BCE on the logit.
      INDArray delta = s.delta[layers - 1].assign(s.z[layers - 1]);
      if (loss == Loss.BCE) {
        Transforms.sigmoid(delta, false);
      }
      delta.subi(s.target).muli(1.0 / batch.length);
      for (int l = layers - 1; l >= 0; l--) {
        INDArray in = l == 0 ? s.x : s.a[l - 1];
        Nd4j.gemm(in, s.delta[l], grads[2 * l], true, false, 1.0, 0.0);
        Nd4j.gemm(s.ones, s.delta[l], grads[2 * l + 1], true, false, 1.0, 0.0);
        if (l > 0) {
          Nd4j.gemm(s.delta[l], mlp.weights[l], s.delta[l - 1], false, true, 1.0, 0.0);
          mlp.activation.backward(s.z[l - 1], s.a[l - 1], s.delta[l - 1], s.scratch[l - 1]);
        }
      }
      steps++;
      float correction1 = (float) (1 - Math.pow(BETA1, steps));
      float correction2 = (float) (1 - Math.pow(BETA2, steps));
      for (int p = 0; p < params.length; p++) {
        // Weights decay, biases do not.
        float decay = p % 2 == 0 ? (float) weightDecay : 0f;
        adam(paramData[p], gradData[p], first[p], second[p], (float) rate, correction1, correction2, decay);
      }
    }

    /**
     * Adam or AdamW on one parameter array, element by element on the arrays' native memory: one
     * pass instead of a dozen ND4J operations.
     */
    private void adam(FloatBuffer w, FloatBuffer g, float[] m, float[] v, float rate, float correction1,
        float correction2, float decay) {
      float b1 = (float) BETA1;
      float b2 = (float) BETA2;
      float eps = (float) ADAM_EPSILON;
      boolean coupled = optimizer == Optimizer.ADAM;
      float shrink = coupled ? 1f : 1f - rate * decay;
      for (int i = 0; i < m.length; i++) {
        float wi = w.get(i);
        float gi = coupled ? g.get(i) + decay * wi : g.get(i);
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        float update = (m[i] / correction1) / ((float) Math.sqrt(v[i] / correction2) + eps);
        w.put(i, wi * shrink - rate * update);
      }
    }

    private StepArrays partial(int rows) {
      if (partial == null || partial.rows != rows) {
        if (partial != null) {
          partial.close();
        }
        partial = new StepArrays(rows, mlp.sizes);
      }
      return partial;
    }

    /** Copies the current weights aside as the best so far. */
    void remember() {
      for (int p = 0; p < params.length; p++) {
        paramData[p].get(0, best[p]);
      }
    }

    /** Puts the remembered weights back. */
    void restore() {
      for (int p = 0; p < params.length; p++) {
        paramData[p].put(0, best[p]);
      }
    }

    void close() {
      for (INDArray g : grads) {
        g.close();
      }
      full.close();
      if (partial != null) {
        partial.close();
      }
    }
  }

  /** The arrays of one step for one batch size: inputs, targets, and each layer's values and gradients. */
  private static final class StepArrays {
    final int rows;
    final INDArray x;
    final INDArray target;
    final INDArray ones;
    final INDArray[] z;
    final INDArray[] a;
    final INDArray[] delta;
    final INDArray[] scratch;

    StepArrays(int rows, int[] sizes) {
      this.rows = rows;
      int layers = sizes.length - 1;
      x = Nd4j.create(DataType.FLOAT, rows, sizes[0]);
      target = Nd4j.create(DataType.FLOAT, rows, 1);
      ones = Nd4j.ones(DataType.FLOAT, rows, 1);
      z = new INDArray[layers];
      a = new INDArray[layers];
      delta = new INDArray[layers];
      scratch = new INDArray[layers];
      for (int l = 0; l < layers; l++) {
        z[l] = Nd4j.create(DataType.FLOAT, rows, sizes[l + 1]);
        delta[l] = Nd4j.create(DataType.FLOAT, rows, sizes[l + 1]);
        if (l < layers - 1) {
          a[l] = Nd4j.create(DataType.FLOAT, rows, sizes[l + 1]);
          scratch[l] = Nd4j.create(DataType.FLOAT, rows, sizes[l + 1]);
        }
      }
    }

    void close() {
      for (INDArray[] group : new INDArray[][] {{x, target, ones}, z, a, delta, scratch}) {
        for (INDArray array : group) {
          if (array != null) {
            array.close();
          }
        }
      }
    }
  }

  /** The training objective on standardised rows and targets: 0.5 * MSE or BCE. */
  private double objective(Mlp mlp, INDArray x, float[] targets) {
    double sum = 0;
    long rows = x.rows();
    for (int start = 0; start < rows; start += EVAL_CHUNK) {
      int end = (int) Math.min(rows, start + EVAL_CHUNK);
      float[] out = outputs(mlp, x, start, end);
      for (int i = 0; i < out.length; i++) {
        double z = out[i];
        double yi = targets[start + i];
        if (loss == Loss.BCE) {
          // softplus(z) - y z, written to stay finite for large |z|
          sum += Math.max(z, 0) - yi * z + Math.log1p(Math.exp(-Math.abs(z)));
        } else {
          sum += 0.5 * (z - yi) * (z - yi);
        }
      }
    }
    return sum / rows;
  }

  /** The network's raw outputs for rows {@code start .. end-1} of {@code x}. */
  private static float[] outputs(Mlp mlp, INDArray x, int start, int end) {
    INDArray rows = x.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).dup('c');
    INDArray out = mlp.forward(rows);
    float[] values = out.toFloatVector();
    rows.close();
    out.close();
    return values;
  }

  /** The head's mean squared error on standardised rows against the raw targets {@code y[rows[i]]}. */
  private double meanSquaredError(MlpValueHead head, INDArray x, double[] y, int[] rows) {
    Mlp mlp = head.network();
    double sum = 0;
    for (int start = 0; start < rows.length; start += EVAL_CHUNK) {
      int end = Math.min(rows.length, start + EVAL_CHUNK);
      float[] out = outputs(mlp, x, start, end);
      for (int i = 0; i < out.length; i++) {
        double v = head.loss() == Loss.BCE ? MlpValueHead.sigmoid(out[i]) : out[i];
        double e = v - y[rows[start + i]];
        sum += e * e;
      }
    }
    return sum / rows.length;
  }

  private void validate(float[][] x, double[] y) {
    Preconditions.checkArgument(x.length > 0, "features must not be empty");
    Preconditions.checkArgument(x.length == y.length, "features has %s rows but targets has %s values",
        x.length, y.length);
    int d = features.dimension();
    for (int i = 0; i < x.length; i++) {
      float[] row = Objects.requireNonNull(x[i], "features row");
      if (row.length != d) {
        throw new IllegalArgumentException("feature row " + i + " has " + row.length + " values, expected "
            + d + " for " + features.id());
      }
      for (int j = 0; j < d; j++) {
        if (!Float.isFinite(row[j])) {
          throw new IllegalArgumentException("feature row " + i + " holds " + row[j] + " at " + j
              + "; features must be finite");
        }
      }
      if (!Double.isFinite(y[i])) {
        throw new IllegalArgumentException("target " + i + " is " + y[i] + "; targets must be finite");
      }
      if (loss == Loss.BCE) {
        checkBceTarget(y[i], "target " + i);
      }
    }
  }

  private static void checkBceTarget(double target, String what) {
    if (!(target >= 0 && target <= 1)) {
      throw new IllegalArgumentException("BCE loss needs targets in [0, 1], but " + what + " is " + target
          + "; rescale the rewards or use Loss.MSE");
    }
  }

  private static double learningRateAt(double peak, long step, long warmupSteps, long plannedSteps) {
    if (step < warmupSteps) {
      return peak * (step + 1) / warmupSteps;
    }
    double progress = (double) (step - warmupSteps) / Math.max(1, plannedSteps - warmupSteps);
    return peak * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
  }

  private static int[] permutation(int n, SplittableRandom random) {
    int[] p = new int[n];
    Arrays.setAll(p, i -> i);
    shuffle(p, random);
    return p;
  }

  private static void shuffle(int[] a, SplittableRandom random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
  }

  private static int[] rowsWhere(int[] groups, boolean[] heldOut, boolean wanted) {
    int count = 0;
    for (int g : groups) {
      if (heldOut[g] == wanted) {
        count++;
      }
    }
    int[] rows = new int[count];
    int k = 0;
    for (int i = 0; i < groups.length; i++) {
      if (heldOut[groups[i]] == wanted) {
        rows[k++] = i;
      }
    }
    return rows;
  }

  /** Per-feature mean and standard deviation over {@code rows}, two passes in double. */
  private static void moments(float[][] x, int[] rows, float[] mean, float[] std) {
    int d = mean.length;
    double[] sum = new double[d];
    for (int r : rows) {
      float[] row = x[r];
      for (int j = 0; j < d; j++) {
        sum[j] += row[j];
      }
    }
    for (int j = 0; j < d; j++) {
      sum[j] /= rows.length;
      mean[j] = (float) sum[j];
    }
    double[] ss = new double[d];
    for (int r : rows) {
      float[] row = x[r];
      for (int j = 0; j < d; j++) {
        double e = row[j] - sum[j];
        ss[j] += e * e;
      }
    }
    for (int j = 0; j < d; j++) {
      double s = Math.sqrt(ss[j] / rows.length);
      std[j] = s > MIN_STD ? (float) s : 1f;
    }
  }

  private static INDArray standardised(float[][] x, int[] rows, float[] mean, float[] scale) {
    int d = mean.length;
    float[] flat = new float[Math.multiplyExact(rows.length, d)];
    int k = 0;
    for (int r : rows) {
      float[] row = x[r];
      for (int j = 0; j < d; j++) {
        flat[k++] = (row[j] - mean[j]) * scale[j];
      }
    }
    return Nd4j.create(flat, new long[] {rows.length, d}, DataType.FLOAT);
  }

  /** A {@code rows x cols} matrix of N(0, sd^2) values from {@code random} (Box-Muller). */
  private static INDArray gaussian(int rows, int cols, double sd, SplittableRandom random) {
    float[] values = new float[rows * cols];
    for (int i = 0; i < values.length; i += 2) {
      double u = 1 - random.nextDouble();
      double v = random.nextDouble();
      double r = Math.sqrt(-2 * Math.log(u)) * sd;
      values[i] = (float) (r * Math.cos(2 * Math.PI * v));
      if (i + 1 < values.length) {
        values[i + 1] = (float) (r * Math.sin(2 * Math.PI * v));
      }
    }
    return Nd4j.create(values, new long[] {rows, cols}, DataType.FLOAT);
  }

  @Override
  public String toString() {
    return "MlpValueTrainer{features=" + features.id() + ", hiddenSizes=" + hiddenSizes + ", " + activation
        + ", " + loss + ", " + optimizer + ", learningRate=" + learningRate + ", weightDecay=" + weightDecay
        + ", warmup=" + warmup + ", epochs=" + epochs + ", batchSize=" + batchSize + ", minStepsPerEpoch="
        + minStepsPerEpoch + ", validationFraction="
        + validationFraction + ", patience=" + patience + "}";
  }

  /** Builds an {@link MlpValueTrainer}; {@link #features} is required, everything else has a default. */
  public static final class Builder {
    private FeatureSource features;
    private ImmutableList<Integer> hiddenSizes = ImmutableList.copyOf(DEFAULT_HIDDEN_SIZES);
    private Activation activation = DEFAULT_ACTIVATION;
    private Loss loss = DEFAULT_LOSS;
    private Optimizer optimizer = DEFAULT_OPTIMIZER;
    private double learningRate = DEFAULT_LEARNING_RATE;
    private double weightDecay = DEFAULT_WEIGHT_DECAY;
    private double warmup = DEFAULT_WARMUP;
    private int epochs = DEFAULT_EPOCHS;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private int minStepsPerEpoch = DEFAULT_MIN_STEPS_PER_EPOCH;
    private double validationFraction = DEFAULT_VALIDATION_FRACTION;
    private int patience = DEFAULT_PATIENCE;

    private Builder() {}

    private Builder(MlpValueTrainer t) {
      features = t.features;
      hiddenSizes = t.hiddenSizes;
      activation = t.activation;
      loss = t.loss;
      optimizer = t.optimizer;
      learningRate = t.learningRate;
      weightDecay = t.weightDecay;
      warmup = t.warmup;
      epochs = t.epochs;
      batchSize = t.batchSize;
      minStepsPerEpoch = t.minStepsPerEpoch;
      validationFraction = t.validationFraction;
      patience = t.patience;
    }

    /** The source of the heads' features. Required. */
    public Builder features(FeatureSource source) {
      this.features = Objects.requireNonNull(source, "features");
      return this;
    }

    /** The widths of the hidden layers, input side first; at least one, each positive. Default: {@link #DEFAULT_HIDDEN_SIZES}. */
    public Builder hiddenSizes(int... sizes) {
      Preconditions.checkArgument(sizes.length > 0, "hiddenSizes must not be empty");
      for (int s : sizes) {
        Preconditions.checkArgument(s > 0, "hiddenSizes must be positive, found %s", Arrays.toString(sizes));
      }
      this.hiddenSizes = ImmutableList.copyOf(Ints.asList(sizes));
      return this;
    }

    /** The hidden layers' activation. Default: {@link #DEFAULT_ACTIVATION}. */
    public Builder activation(Activation activation) {
      this.activation = Objects.requireNonNull(activation, "activation");
      return this;
    }

    /** The loss. Default: {@link #DEFAULT_LOSS}. */
    public Builder loss(Loss loss) {
      this.loss = Objects.requireNonNull(loss, "loss");
      return this;
    }

    /** The optimiser. Default: {@link #DEFAULT_OPTIMIZER}. */
    public Builder optimizer(Optimizer optimizer) {
      this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
      return this;
    }

    /** The peak learning rate, positive and finite. Default: {@link #DEFAULT_LEARNING_RATE}. */
    public Builder learningRate(double rate) {
      Preconditions.checkArgument(rate > 0 && Double.isFinite(rate),
          "learningRate must be positive and finite, found %s", rate);
      this.learningRate = rate;
      return this;
    }

    /** The weight decay of the weights (not the biases), at least 0 and finite. Default: {@link #DEFAULT_WEIGHT_DECAY}. */
    public Builder weightDecay(double decay) {
      Preconditions.checkArgument(decay >= 0 && Double.isFinite(decay),
          "weightDecay must be non-negative and finite, found %s", decay);
      this.weightDecay = decay;
      return this;
    }

    /** The fraction of the planned steps spent warming up, in [0, 1). Default: {@link #DEFAULT_WARMUP}. */
    public Builder warmup(double fraction) {
      Preconditions.checkArgument(fraction >= 0 && fraction < 1, "warmup must be in [0, 1), found %s", fraction);
      this.warmup = fraction;
      return this;
    }

    /** The planned epochs, at least 1. Default: {@link #DEFAULT_EPOCHS}. */
    public Builder epochs(int epochs) {
      Preconditions.checkArgument(epochs >= 1, "epochs must be at least 1, found %s", epochs);
      this.epochs = epochs;
      return this;
    }

    /**
     * The largest minibatch size in states, at least 1; smaller when the data set is too small for
     * {@link #minStepsPerEpoch}. Default: {@link #DEFAULT_BATCH_SIZE}.
     */
    public Builder batchSize(int size) {
      Preconditions.checkArgument(size >= 1, "batchSize must be at least 1, found %s", size);
      this.batchSize = size;
      return this;
    }

    /**
     * The fewest optimiser steps per epoch, at least 1: minibatches shrink to
     * {@code ceil(trainingStates / steps)} states when that is below {@link #batchSize}; 1 keeps
     * {@link #batchSize} always. Default: {@link #DEFAULT_MIN_STEPS_PER_EPOCH}.
     */
    public Builder minStepsPerEpoch(int steps) {
      Preconditions.checkArgument(steps >= 1, "minStepsPerEpoch must be at least 1, found %s", steps);
      this.minStepsPerEpoch = steps;
      return this;
    }

    /**
     * The fraction of examples held out for early stopping, in [0, 1); 0 trains on everything for
     * every epoch. Default: {@link #DEFAULT_VALIDATION_FRACTION}.
     */
    public Builder validationFraction(double fraction) {
      Preconditions.checkArgument(fraction >= 0 && fraction < 1,
          "validationFraction must be in [0, 1), found %s", fraction);
      this.validationFraction = fraction;
      return this;
    }

    /** The epochs without a better held-out loss after which training stops, at least 1. Default: {@link #DEFAULT_PATIENCE}. */
    public Builder patience(int epochs) {
      Preconditions.checkArgument(epochs >= 1, "patience must be at least 1, found %s", epochs);
      this.patience = epochs;
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
      return new MlpValueTrainer(this);
    }
  }
}
