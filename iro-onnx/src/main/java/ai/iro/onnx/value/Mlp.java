package ai.iro.onnx.value;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The network shared by the head and the trainer: feature standardisation, then affine layers with
 * an activation between them, to one output; its forward pass and, for training, its backward pass.
 * Layer {@code l} maps {@code sizes[l]} inputs to {@code sizes[l + 1]} outputs with a
 * {@code sizes[l] x sizes[l + 1]} weight matrix, so a batch is one matrix product per layer. The
 * arrays are float32 for heads; the passes follow the weights' data type, so that a gradient check
 * can run them in float64. Holds native arrays; the owner closes them.
 */
final class Mlp {
  final int[] sizes;
  final Activation activation;
  final float[] mean;
  final float[] std;
  final float[] scale;
  final INDArray[] weights;
  final INDArray[] biases;

  /**
   * @param sizes layer sizes, input first, 1 last
   * @param mean the per-feature mean subtracted first
   * @param std the per-feature standard deviation divided by next, positive
   * @param weights one {@code sizes[l] x sizes[l + 1]} matrix per layer, adopted
   * @param biases one {@code 1 x sizes[l + 1]} row per layer, adopted
   */
  Mlp(int[] sizes, Activation activation, float[] mean, float[] std, INDArray[] weights, INDArray[] biases) {
    this.sizes = sizes.clone();
    this.activation = activation;
    this.mean = mean.clone();
    this.std = std.clone();
    this.scale = new float[std.length];
    for (int j = 0; j < std.length; j++) {
      scale[j] = 1f / std[j];
    }
    this.weights = weights;
    this.biases = biases;
  }

  int layers() {
    return weights.length;
  }

  int inputs() {
    return sizes[0];
  }

  /** The data type of the weights and of every array the passes make. */
  DataType dataType() {
    return weights[0].dataType();
  }

  /** Standardises rows {@code from .. to-1} into a new {@code (to - from) x inputs} array. */
  INDArray standardised(float[][] rows, int from, int to) {
    int d = inputs();
    float[] flat = new float[(to - from) * d];
    int k = 0;
    for (int i = from; i < to; i++) {
      k = standardise(rows[i], mean, scale, flat, k);
    }
    return Nd4j.create(flat, new long[] {to - from, d}, DataType.FLOAT);
  }

  /**
   * Writes {@code (row[j] - mean[j]) * scale[j]} into {@code out} from {@code offset}.
   *
   * @return the offset after the row
   */
  static int standardise(float[] row, float[] mean, float[] scale, float[] out, int offset) {
    int k = offset;
    for (int j = 0; j < mean.length; j++) {
      out[k++] = (row[j] - mean[j]) * scale[j];
    }
    return k;
  }

  /** The network's raw output (before any sigmoid) for standardised inputs: {@code n x 1}. */
  INDArray forward(INDArray x) {
    long n = x.rows();
    INDArray ones = Nd4j.ones(dataType(), n, 1);
    INDArray a = x;
    for (int l = 0; l < weights.length; l++) {
      INDArray z = Nd4j.create(dataType(), n, sizes[l + 1]);
      affine(ones, a, weights[l], biases[l], z);
      if (l < weights.length - 1) {
        activation.apply(z, z);
      }
      if (a != x) {
        a.close();
      }
      a = z;
    }
    ones.close();
    return a;
  }

  /**
   * The forward pass of a training step on {@code s.x}, keeping each layer's pre-activations and
   * activations for {@link #backward}; the raw output ends in {@link StepArrays#output()}.
   */
  void forward(StepArrays s) {
    INDArray input = s.x;
    for (int l = 0; l < layers(); l++) {
      affine(s.ones, input, weights[l], biases[l], s.z[l]);
      if (l < layers() - 1) {
        activation.apply(s.z[l], s.a[l]);
        input = s.a[l];
      }
    }
  }

  /**
   * The backward pass after {@link #forward(StepArrays)}: writes the gradient of the batch's mean
   * loss against {@code s.target} by every parameter into {@code gradients}, in the order of
   * {@link #parameters()}. The loss is {@code 0.5 * (out - y)^2} for {@link Loss#MSE} and the
   * cross-entropy of {@code sigmoid(out)} for {@link Loss#BCE}, each row's times its weight when
   * the batch was loaded with weights.
   */
  void backward(StepArrays s, Loss loss, INDArray[] gradients) {
    int layers = layers();
    // The gradient by the output: (out - y) / b for 0.5 * MSE, and (sigmoid(out) - y) / b for BCE
    // on the logit.
    INDArray delta = s.delta[layers - 1].assign(s.z[layers - 1]);
    if (loss == Loss.BCE) {
      Transforms.sigmoid(delta, false);
    }
    delta.subi(s.target);
    if (s.weighted) {
      delta.muli(s.weight);
    }
    delta.muli(1.0 / s.rows);
    for (int l = layers - 1; l >= 0; l--) {
      INDArray in = l == 0 ? s.x : s.a[l - 1];
      Nd4j.gemm(in, s.delta[l], gradients[2 * l], true, false, 1.0, 0.0);
      Nd4j.gemm(s.ones, s.delta[l], gradients[2 * l + 1], true, false, 1.0, 0.0);
      if (l > 0) {
        Nd4j.gemm(s.delta[l], weights[l], s.delta[l - 1], false, true, 1.0, 0.0);
        activation.backward(s.z[l - 1], s.a[l - 1], s.delta[l - 1], s.scratch[l - 1]);
      }
    }
  }

  /** The parameters, live: each layer's weights, then its biases, input layer first. */
  INDArray[] parameters() {
    INDArray[] params = new INDArray[2 * layers()];
    for (int l = 0; l < layers(); l++) {
      params[2 * l] = weights[l];
      params[2 * l + 1] = biases[l];
    }
    return params;
  }

  /** New arrays shaped like {@link #parameters()}, for {@link #backward}; the caller closes them. */
  INDArray[] newGradients() {
    INDArray[] params = parameters();
    INDArray[] gradients = new INDArray[params.length];
    for (int p = 0; p < params.length; p++) {
      gradients[p] = Nd4j.create(dataType(), params[p].shape());
    }
    return gradients;
  }

  /**
   * {@code z = a W + b} as two matrix products into {@code z}: the bias as the outer product of a
   * column of ones with {@code b}, then {@code a W} added (cheaper in ND4J than a broadcast add).
   */
  static void affine(INDArray ones, INDArray a, INDArray w, INDArray b, INDArray z) {
    Nd4j.gemm(ones, b, z, false, false, 1.0, 0.0);
    Nd4j.gemm(a, w, z, false, false, 1.0, 1.0);
  }

  /** Releases the native arrays. */
  void close() {
    for (int l = 0; l < weights.length; l++) {
      weights[l].close();
      biases[l].close();
    }
  }

  /**
   * The arrays of one training step for one batch size, allocated once and reused (an ND4J
   * allocation costs more than the element-wise work of a step): the standardised inputs
   * {@link #x} and targets {@link #target} that the caller fills, and each layer's values and
   * gradients. Closed by its owner.
   */
  static final class StepArrays implements AutoCloseable {
    final int rows;
    final INDArray x;
    final INDArray target;
    final INDArray weight;
    final INDArray ones;
    boolean weighted;
    final INDArray[] z;
    final INDArray[] a;
    final INDArray[] delta;
    final INDArray[] scratch;

    StepArrays(int rows, int[] sizes, DataType type) {
      this.rows = rows;
      int layers = sizes.length - 1;
      x = Nd4j.create(type, rows, sizes[0]);
      target = Nd4j.create(type, rows, 1);
      weight = Nd4j.create(type, rows, 1);
      ones = Nd4j.ones(type, rows, 1);
      z = new INDArray[layers];
      a = new INDArray[layers];
      delta = new INDArray[layers];
      scratch = new INDArray[layers];
      for (int l = 0; l < layers; l++) {
        z[l] = Nd4j.create(type, rows, sizes[l + 1]);
        delta[l] = Nd4j.create(type, rows, sizes[l + 1]);
        if (l < layers - 1) {
          a[l] = Nd4j.create(type, rows, sizes[l + 1]);
          scratch[l] = Nd4j.create(type, rows, sizes[l + 1]);
        }
      }
    }

    /**
     * Copies rows {@code batch} of {@code data} into {@link #x} and their {@code targets} into
     * {@link #target}; float32 arrays only.
     */
    void load(INDArray data, float[] targets, int[] batch) {
      load(data, targets, null, batch);
    }

    /**
     * Like {@link #load(INDArray, float[], int[])}, with each row's loss weight from {@code weights}
     * (indexed like {@code targets}); {@code null} weighs every row 1.
     */
    void load(INDArray data, float[] targets, float[] weights, int[] batch) {
      Nd4j.pullRows(data, x, 1, batch);
      FloatBuffer t = target.data().asNioFloat();
      for (int i = 0; i < batch.length; i++) {
        t.put(i, targets[batch[i]]);
      }
      weighted = weights != null;
      if (weighted) {
        FloatBuffer w = weight.data().asNioFloat();
        for (int i = 0; i < batch.length; i++) {
          w.put(i, weights[batch[i]]);
        }
      }
    }

    /**
     * Like {@link #load(INDArray, float[], float[], int[])}, with the batch's standardised rows
     * already laid out in {@code flat}, one after another in the order of {@code batch}; float32
     * arrays only.
     */
    void load(float[] flat, float[] targets, float[] weights, int[] batch) {
      x.data().asNioFloat().put(0, flat, 0, batch.length * (int) x.columns());
      FloatBuffer t = target.data().asNioFloat();
      for (int i = 0; i < batch.length; i++) {
        t.put(i, targets[batch[i]]);
      }
      weighted = weights != null;
      if (weighted) {
        FloatBuffer w = weight.data().asNioFloat();
        for (int i = 0; i < batch.length; i++) {
          w.put(i, weights[batch[i]]);
        }
      }
    }

    /** The raw output of the last {@link Mlp#forward(StepArrays)}: {@code rows x 1}. */
    INDArray output() {
      return z[z.length - 1];
    }

    @Override
    public void close() {
      for (INDArray[] group : new INDArray[][] {{x, target, weight, ones}, z, a, delta, scratch}) {
        for (INDArray array : group) {
          if (array != null) {
            array.close();
          }
        }
      }
    }
  }

  /**
   * The step arrays of a run, made on first use: one set for the first batch size asked for (the
   * full minibatch) and one for another size (an epoch's shorter last batch), replaced if the size
   * changes.
   */
  static final class StepPool implements AutoCloseable {
    private final int[] sizes;
    private final DataType type;
    private StepArrays first;
    private StepArrays other;

    StepPool(int[] sizes, DataType type) {
      this.sizes = sizes.clone();
      this.type = type;
    }

    /** Arrays for a batch of {@code rows}, owned by this pool. */
    StepArrays forRows(int rows) {
      if (first == null) {
        first = new StepArrays(rows, sizes, type);
      }
      if (first.rows == rows) {
        return first;
      }
      if (other == null || other.rows != rows) {
        if (other != null) {
          other.close();
        }
        other = new StepArrays(rows, sizes, type);
      }
      return other;
    }

    @Override
    public void close() {
      for (StepArrays arrays : new StepArrays[] {first, other}) {
        if (arrays != null) {
          arrays.close();
        }
      }
    }
  }
}
