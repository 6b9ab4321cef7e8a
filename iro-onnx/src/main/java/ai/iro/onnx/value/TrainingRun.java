package ai.iro.onnx.value;

import ai.iro.onnx.value.Mlp.StepArrays;
import ai.iro.onnx.value.Mlp.StepPool;
import ai.iro.core.value.ValueFunction;
import ai.iro.core.value.ValueStack;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training run of an {@link MlpValueTrainer}: the held-out split, the standardisation, the
 * initial weights, the epochs of minibatch steps, early stopping on the held-out loss with the best
 * epoch's weights kept, and the final report. Used once, on one thread, inside
 * {@link NativeThreads#training}. Features are read from the set and standardised one minibatch or
 * one evaluation chunk of {@value #EVAL_CHUNK} states at a time, never all at once, so that a
 * disk-cached set stays off the heap; the arithmetic is the same whichever way the set is stored.
 */
final class TrainingRun {
  /** Rows per forward pass when evaluating a whole data set. */
  private static final int EVAL_CHUNK = 8192;
  /** Keeps a BCE head's initial output bias finite when all targets are 0 or 1. */
  private static final double BCE_PRIOR_CLAMP = 1e-3;

  private final MlpTrainerConfig config;
  private final TrainingSet set;

  TrainingRun(MlpTrainerConfig config, TrainingSet set) {
    this.config = config;
    this.set = set;
  }

  /**
   * Trains a head; the caller owns it.
   *
   * @param warm a trained network of this run's architecture to start from (warm start), whose
   *     feature standardisation the run keeps; empty to start from random weights
   */
  MlpValueTrainer.FitResult run(long seed, Optional<Mlp> warm) {
    SplittableRandom root = new SplittableRandom(seed);
    SplittableRandom splitRandom = root.split();
    SplittableRandom initRandom = root.split();
    SplittableRandom shuffleRandom = root.split();

    Loss loss = config.loss();
    TrainingSet.Split split = set.split(config.validationFraction(), splitRandom);
    Standardisation measured = Standardisation.of(set, split.train(), config.features().dimension(), loss);
    Standardisation standardisation = warm.map(w -> measured.withFeatureMoments(w.mean, w.std)).orElse(measured);
    float[] trainTargets = standardisation.targets(set, split.train());
    float[] validTargets = standardisation.targets(set, split.valid());
    float[] trainWeights = set.normalisedWeights(split.train());
    float[] validWeights = set.normalisedWeights(split.valid());
    Mlp mlp = warm.isPresent() ? warmNetwork(warm.get(), standardisation)
        : initialNetwork(standardisation, trainTargets, initRandom);

    int[] train = split.train();
    int[] valid = split.valid();
    boolean holdsOut = valid.length > 0;
    int n = train.length;
    int minibatch = Math.max(1, Math.min(config.batchSize(),
        (n + config.minStepsPerEpoch() - 1) / config.minStepsPerEpoch()));
    int stepsPerEpoch = (n + minibatch - 1) / minibatch;
    INDArray[] parameters = mlp.parameters();
    INDArray[] gradients = mlp.newGradients();
    LearningRateSchedule schedule = LearningRateSchedule.of(config.learningRate(), config.warmup(),
        (long) stepsPerEpoch * config.epochs());
    OptimizerState optimizer = new OptimizerState(config.optimizer(), schedule, config.weightDecay(), parameters,
        gradients);
    StepPool steps = new StepPool(mlp.sizes, mlp.dataType());
    try {
      float[][] best = new float[parameters.length][];
      double bestLoss = Double.POSITIVE_INFINITY;
      int bestEpoch = 0;
      int epochsRun = 0;
      List<Double> heldOutErrors = new ArrayList<>();
      int[] rows = new int[n];
      Arrays.setAll(rows, i -> i);
      int d = config.features().dimension();
      float[] flat = new float[Math.multiplyExact(minibatch, d)];
      float[] scratch = new float[d];
      int[] states = new int[minibatch];
      for (int epoch = 1; epoch <= config.epochs(); epoch++) {
        TrainingSet.shuffle(rows, shuffleRandom);
        for (int start = 0; start < n; start += minibatch) {
          int[] batch = Arrays.copyOfRange(rows, start, Math.min(n, start + minibatch));
          StepArrays s = steps.forRows(batch.length);
          for (int i = 0; i < batch.length; i++) {
            states[i] = train[batch[i]];
          }
          standardisation.standardise(set, states, 0, batch.length, flat, scratch);
          s.load(flat, trainTargets, trainWeights, batch);
          mlp.forward(s);
          mlp.backward(s, loss, gradients);
          optimizer.step();
        }
        epochsRun = epoch;
        if (!holdsOut) {
          bestEpoch = epoch;
          continue;
        }
        double validLoss = objective(mlp, standardisation, valid, validTargets, validWeights);
        heldOutErrors.add(heldOutError(mlp, valid, standardisation));
        if (validLoss < bestLoss) {
          bestLoss = validLoss;
          bestEpoch = epoch;
          copy(parameters, best);
        } else if (epoch - bestEpoch >= config.patience()) {
          break;
        }
      }
      if (holdsOut) {
        restore(best, parameters);
      }
      int last = mlp.layers() - 1;
      standardisation.restoreTargetScale(mlp.weights[last], mlp.biases[last]);
      MlpValueHead head = new MlpValueHead(config.features(), loss, mlp);
      double trainLoss = meanSquaredError(head, standardisation, train);
      OptionalDouble validLoss = !holdsOut ? OptionalDouble.empty()
          : OptionalDouble.of(meanSquaredError(head, standardisation, valid));
      return new MlpValueTrainer.FitResult(head, trainLoss, validLoss, epochsRun, bestEpoch, optimizer.steps(),
          minibatch, heldOutErrors);
    } finally {
      for (INDArray g : gradients) {
        g.close();
      }
      steps.close();
    }
  }

  /**
   * The network before training: He initialisation before ReLU and GELU, Xavier before tanh and the
   * linear output, zero biases; a BCE head's output bias starts at the logit of the mean target.
   */
  private Mlp initialNetwork(Standardisation standardisation, float[] trainTargets, SplittableRandom random) {
    List<Integer> hidden = config.hiddenSizes();
    int[] sizes = new int[hidden.size() + 2];
    sizes[0] = config.features().dimension();
    for (int l = 0; l < hidden.size(); l++) {
      sizes[l + 1] = hidden.get(l);
    }
    sizes[sizes.length - 1] = 1;
    int layers = sizes.length - 1;
    INDArray[] weights = new INDArray[layers];
    INDArray[] biases = new INDArray[layers];
    for (int l = 0; l < layers; l++) {
      boolean last = l == layers - 1;
      double gain = !last && config.activation() != Activation.TANH ? 2.0 : 1.0;
      weights[l] = gaussian(sizes[l], sizes[l + 1], Math.sqrt(gain / sizes[l]), random);
      biases[l] = Nd4j.zeros(DataType.FLOAT, 1, sizes[l + 1]);
    }
    if (config.loss() == Loss.BCE) {
      double prior = 0;
      for (float t : trainTargets) {
        prior += t;
      }
      prior = Math.min(Math.max(prior / trainTargets.length, BCE_PRIOR_CLAMP), 1 - BCE_PRIOR_CLAMP);
      biases[layers - 1].assign(Math.log(prior / (1 - prior)));
    }
    return new Mlp(sizes, config.activation(), standardisation.mean(), standardisation.std(), weights, biases);
  }

  /**
   * A copy of a trained network, whose output layer predicts raw targets, rescaled to predict this
   * run's standardised targets.
   */
  private static Mlp warmNetwork(Mlp trained, Standardisation standardisation) {
    int layers = trained.layers();
    INDArray[] weights = new INDArray[layers];
    INDArray[] biases = new INDArray[layers];
    for (int l = 0; l < layers; l++) {
      weights[l] = trained.weights[l].dup();
      biases[l] = trained.biases[l].dup();
    }
    standardisation.removeTargetScale(weights[layers - 1], biases[layers - 1]);
    return new Mlp(trained.sizes.clone(), trained.activation, trained.mean.clone(), trained.std.clone(), weights, biases);
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

  /** Copies the parameters' values into {@code into}, allocating it on first use. */
  private static void copy(INDArray[] parameters, float[][] into) {
    for (int p = 0; p < parameters.length; p++) {
      if (into[p] == null) {
        into[p] = new float[(int) parameters[p].length()];
      }
      parameters[p].data().asNioFloat().get(0, into[p]);
    }
  }

  /** Puts values saved by {@link #copy} back into the parameters. */
  private static void restore(float[][] from, INDArray[] parameters) {
    for (int p = 0; p < parameters.length; p++) {
      parameters[p].data().asNioFloat().put(0, from[p]);
    }
  }

  /** The training objective on standardised rows and targets: 0.5 * MSE or BCE, weighted when weights are given. */
  private double objective(Mlp mlp, Standardisation standardisation, int[] states, float[] targets,
      float[] weights) {
    double sum = 0;
    int rows = states.length;
    for (int start = 0; start < rows; start += EVAL_CHUNK) {
      int end = Math.min(rows, start + EVAL_CHUNK);
      float[] out = outputs(mlp, standardisation, states, start, end);
      for (int i = 0; i < out.length; i++) {
        double z = out[i];
        double yi = targets[start + i];
        double wi = weights == null ? 1 : weights[start + i];
        if (config.loss() == Loss.BCE) {
          // softplus(z) - y z, written to stay finite for large |z|
          sum += wi * (Math.max(z, 0) - yi * z + Math.log1p(Math.exp(-Math.abs(z))));
        } else {
          sum += wi * 0.5 * (z - yi) * (z - yi);
        }
      }
    }
    return sum / rows;
  }

  /**
   * The held-out mean squared error, on the targets' scale, of the network as it is (during
   * training, before the target scale is folded into its output layer).
   */
  private double heldOutError(Mlp mlp, int[] rows, Standardisation standardisation) {
    double sum = 0;
    double weights = 0;
    for (int start = 0; start < rows.length; start += EVAL_CHUNK) {
      int end = Math.min(rows.length, start + EVAL_CHUNK);
      float[] out = outputs(mlp, standardisation, rows, start, end);
      for (int i = 0; i < out.length; i++) {
        double v = config.loss() == Loss.BCE ? MlpValueHead.sigmoid(out[i]) : standardisation.unstandardise(out[i]);
        double e = v - set.target(rows[start + i]);
        sum += set.weight(rows[start + i]) * e * e;
        weights += set.weight(rows[start + i]);
      }
    }
    return sum / weights;
  }

  private double meanSquaredError(MlpValueHead head, Standardisation standardisation, int[] rows) {
    Mlp mlp = head.network();
    double sum = 0;
    double weights = 0;
    for (int start = 0; start < rows.length; start += EVAL_CHUNK) {
      int end = Math.min(rows.length, start + EVAL_CHUNK);
      float[] out = outputs(mlp, standardisation, rows, start, end);
      for (int i = 0; i < out.length; i++) {
        double v = head.loss() == Loss.BCE ? MlpValueHead.sigmoid(out[i]) : out[i];
        double e = v - set.target(rows[start + i]);
        sum += set.weight(rows[start + i]) * e * e;
        weights += set.weight(rows[start + i]);
      }
    }
    return sum / weights;
  }

  /**
   * The network's raw outputs for states {@code states[start .. end-1]}, standardised by
   * {@code standardisation}: one evaluation chunk read from the set.
   */
  private float[] outputs(Mlp mlp, Standardisation standardisation, int[] states, int start, int end) {
    INDArray rows = standardisation.features(set, states, start, end);
    INDArray out = mlp.forward(rows);
    float[] values = out.toFloatVector();
    rows.close();
    out.close();
    return values;
  }

  /**
   * The network of the last head of {@code previous}, when it is an {@link MlpValueHead} of
   * {@code config}'s architecture and features; otherwise empty (train from random weights).
   */
  static Optional<Mlp> warmStart(MlpTrainerConfig config, ValueStack previous) {
    if (previous.isEmpty()) {
      return Optional.empty();
    }
    ValueFunction last = previous.terms().get(previous.size() - 1).function();
    if (!(last instanceof MlpValueHead head) || !head.featureSource().id().equals(config.features().id())
        || head.loss() != config.loss() || head.activation() != config.activation()) {
      return Optional.empty();
    }
    int[] sizes = head.network().sizes;
    if (sizes.length != config.hiddenSizes().size() + 2) {
      return Optional.empty();
    }
    for (int l = 0; l < config.hiddenSizes().size(); l++) {
      if (sizes[l + 1] != config.hiddenSizes().get(l)) {
        return Optional.empty();
      }
    }
    return Optional.of(head.network());
  }
}
