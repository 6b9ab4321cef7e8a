package ai.iro.onnx.value;

import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.SavableValueFunction;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueFunctionLoader;
import com.google.common.primitives.Ints;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A value function that is a small multilayer perceptron on frozen features: the features of a
 * state (from its {@link FeatureSource}) are standardised with the training data's mean and
 * standard deviation, pass through the hidden layers, and end in one output, used as is
 * ({@link Loss#MSE}) or through a sigmoid ({@link Loss#BCE}). A batch of states costs one matrix
 * product per layer.
 *
 * <p>Made by {@link MlpValueTrainer}; saved as {@value #METADATA_FILE} (JSON: format, feature source,
 * layer sizes, activation, loss) and {@value #WEIGHTS_FILE} (binary, checksummed), and read back by
 * {@link #loader(FeatureSource)}, which needs the live feature source and so is given explicitly
 * rather than found by {@link java.util.ServiceLoader}:
 *
 * <pre>{@code
 * FeatureSource source = lm.features();
 * MlpValueTrainer trainer = MlpValueTrainer.builder().features(source).build();
 * MlpValueHead head = (MlpValueHead) trainer.train(examples, 42).function();
 * head.save(directory);
 * ValueFunction again = MlpValueHead.loader(source).load(directory);
 * }</pre>
 *
 * <p>Thread safe. Holds its weights in native memory, freed by {@link #close()} or else when the
 * head is garbage collected. Scoring runs BLAS's matrix products on one thread and leaves BLAS's
 * (process-wide) thread count at 1, so that OpenBLAS's idle workers do not take cores from the base
 * model's ONNX Runtime threads between chunks; {@link MlpValueTrainer} sets it back while training.
 */
public final class MlpValueHead implements SavableValueFunction, AutoCloseable {
  /** The format name, {@value}. */
  public static final String FORMAT = "iro.mlp-head";
  /** The version of the files this library writes and reads. */
  public static final int FORMAT_VERSION = 1;
  /** The metadata file's name inside a head's directory. */
  public static final String METADATA_FILE = "head.json";
  /** The weights file's name inside a head's directory. */
  public static final String WEIGHTS_FILE = "weights.bin";

  private final FeatureSource source;
  private final Loss loss;
  private final Mlp mlp;
  private volatile boolean closed;

  MlpValueHead(FeatureSource source, Loss loss, Mlp mlp) {
    this.source = Objects.requireNonNull(source, "source");
    this.loss = Objects.requireNonNull(loss, "loss");
    this.mlp = Objects.requireNonNull(mlp, "mlp");
    if (mlp.inputs() != source.dimension()) {
      throw new IllegalArgumentException("the network takes " + mlp.inputs() + " features but "
          + source.id() + " has " + source.dimension());
    }
  }

  /** The source of this head's features. */
  public FeatureSource featureSource() {
    return source;
  }

  /** The number of input features. */
  public int dimension() {
    return mlp.inputs();
  }

  /** The layer sizes: the input dimension, each hidden layer's width, then 1. */
  public List<Integer> layerSizes() {
    return Ints.asList(mlp.sizes.clone());
  }

  /** The hidden layers' activation. */
  public Activation activation() {
    return mlp.activation;
  }

  /** The loss the head was trained with, which fixes its output (identity or sigmoid). */
  public Loss loss() {
    return loss;
  }

  /**
   * Scores states from their features, computed by the feature source once per batch.
   *
   * @throws IllegalStateException if the head is closed
   */
  @Override
  public double[] values(StateBatch states) {
    checkOpen();
    return values(states.features(source));
  }

  /**
   * Scores feature rows directly, as if they were the features of states.
   *
   * @param features one row of {@link #dimension()} values per state
   * @return one value per row
   * @throws IllegalArgumentException if a row has another length
   * @throws IllegalStateException if the head is closed
   */
  public double[] values(float[][] features) {
    checkOpen();
    int n = features.length;
    for (int i = 0; i < n; i++) {
      if (features[i].length != mlp.inputs()) {
        throw new IllegalArgumentException("feature row " + i + " has " + features[i].length
            + " values, expected " + mlp.inputs());
      }
    }
    if (n == 0) {
      return new double[0];
    }
    float[] raw = NativeThreads.scoring(() -> {
      INDArray x = mlp.standardised(features, 0, n);
      INDArray out = mlp.forward(x);
      float[] result = out.toFloatVector();
      x.close();
      out.close();
      return result;
    });
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = loss == Loss.BCE ? sigmoid(raw[i]) : raw[i];
    }
    return values;
  }

  /** The network, for the trainer's evaluation. */
  Mlp network() {
    return mlp;
  }

  static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  /** {@value #FORMAT}. */
  @Override
  public String format() {
    return FORMAT;
  }

  /**
   * Writes {@value #METADATA_FILE} and {@value #WEIGHTS_FILE} into {@code directory}.
   *
   * @throws IllegalStateException if the head is closed
   */
  @Override
  public void save(Path directory) throws IOException {
    checkOpen();
    MlpHeadFiles.save(source, loss, mlp, directory);
  }

  /**
   * A loader of heads trained on {@code source}'s features.
   *
   * @param source the live feature source; a head loads only if it was trained on a source with the
   *     same {@link FeatureSource#id()} and dimension
   */
  public static ValueFunctionLoader loader(FeatureSource source) {
    Objects.requireNonNull(source, "source");
    return new ValueFunctionLoader() {
      @Override
      public String format() {
        return FORMAT;
      }

      @Override
      public MlpValueHead load(Path directory) throws IOException {
        return MlpValueHead.load(directory, source);
      }

      @Override
      public String toString() {
        return "MlpValueHead.loader(" + source.id() + ")";
      }
    };
  }

  /**
   * Loads a head written by {@link #save}.
   *
   * @param directory the head's directory
   * @param source the feature source it was trained on
   * @throws InvalidPolicyException naming the file, if a file is missing, corrupt, truncated, of
   *     another format or version, or the head was trained on other features
   */
  public static MlpValueHead load(Path directory, FeatureSource source) throws IOException {
    Objects.requireNonNull(source, "source");
    return MlpHeadFiles.load(directory, source);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the value head is closed");
    }
  }

  /**
   * Frees the native weights now rather than at garbage collection; idempotent. The head cannot
   * score or save afterwards; close it only when no other thread is scoring with it.
   */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      mlp.close();
    }
  }

  @Override
  public String toString() {
    return "MlpValueHead{features=" + source.id() + ", layers=" + Arrays.toString(mlp.sizes) + ", "
        + mlp.activation + ", " + loss + "}";
  }
}
