package ai.iro.onnx.value;

import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The network shared by the head and the trainer: feature standardisation, then affine layers with
 * an activation between them, to one output. Layer {@code l} maps {@code sizes[l]} inputs to
 * {@code sizes[l + 1]} outputs with a {@code sizes[l] x sizes[l + 1]} weight matrix, so a batch is one
 * matrix product per layer. Holds native arrays; the owner closes them.
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

  /** Standardises rows {@code from .. to-1} into a new {@code (to - from) x inputs} array. */
  INDArray standardised(float[][] rows, int from, int to) {
    int d = inputs();
    float[] flat = new float[(to - from) * d];
    standardise(rows, from, to, mean, scale, flat);
    return Nd4j.create(flat, new long[] {to - from, d}, DataType.FLOAT);
  }

  /** Writes {@code (rows[i][j] - mean[j]) * scale[j]} for rows {@code from .. to-1} into {@code out}. */
  static void standardise(float[][] rows, int from, int to, float[] mean, float[] scale, float[] out) {
    int d = mean.length;
    int k = 0;
    for (int i = from; i < to; i++) {
      float[] row = rows[i];
      for (int j = 0; j < d; j++) {
        out[k++] = (row[j] - mean[j]) * scale[j];
      }
    }
  }

  /** The network's raw output (before any sigmoid) for standardised inputs: {@code n x 1}. */
  INDArray forward(INDArray x) {
    long n = x.rows();
    INDArray ones = Nd4j.ones(DataType.FLOAT, n, 1);
    INDArray a = x;
    for (int l = 0; l < weights.length; l++) {
      INDArray z = Nd4j.create(DataType.FLOAT, n, sizes[l + 1]);
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
   * {@code z = a W + b} as two matrix products into {@code z}: the bias as the outer product of a
   * column of ones with {@code b}, then {@code a W} added (cheaper in ND4J than a broadcast add).
   */
  static void affine(INDArray ones, INDArray a, INDArray w, INDArray b, INDArray z) {
    Nd4j.gemm(ones, b, z, false, false, 1.0, 0.0);
    Nd4j.gemm(a, w, z, false, false, 1.0, 1.0);
  }

  /**
   * Runs {@code work} with ND4J's element-wise operations on the calling thread alone; matrix
   * products still use OpenBLAS's threads. The element-wise work of a value head is small, and the
   * OpenMP team that ND4J would start for it spins while idle and competes with OpenBLAS's threads:
   * on 2 cores that made training 3 to 4 times and scoring 10 times slower. The OpenMP setting is
   * per thread, so this touches no other thread.
   */
  static <T> T singleThreaded(Supplier<T> work) {
    NativeOps ops = NativeOpsHolderHolder.OPS;
    int threads = ops.ompGetMaxThreads();
    ops.setOmpNumThreads(1);
    try {
      return work.get();
    } finally {
      ops.setOmpNumThreads(threads);
    }
  }

  /**
   * Runs scoring work like {@link #singleThreaded}, with BLAS's matrix products on one thread as
   * well. A value head scores a few dozen to a few thousand rows between forward passes of the
   * base model; a multi-threaded product gains little there, and OpenBLAS's workers then spin for a
   * while and take cores from ONNX Runtime's threads (measured on 2 cores: chunk-level search took
   * up to 25 % longer than Best-of-N instead of 1-4 %). BLAS's thread count is global and changing
   * it wakes its workers too, so it is set here only when it is not 1 already (the first scoring
   * after a training), not around every call; {@link #training} sets it back.
   */
  static <T> T scoring(Supplier<T> work) {
    setBlasThreads(1);
    return singleThreaded(work);
  }

  /**
   * Runs training work like {@link #singleThreaded}, with BLAS's matrix products on as many threads
   * as BLAS chose when it was loaded. A thread scoring at the same time sets them back to 1.
   */
  static <T> T training(Supplier<T> work) {
    setBlasThreads(NativeOpsHolderHolder.BLAS_THREADS);
    return singleThreaded(work);
  }

  /** The BLAS thread count that training uses: BLAS's own choice when it was loaded. */
  static int trainingBlasThreads() {
    return NativeOpsHolderHolder.BLAS_THREADS;
  }

  /** BLAS's current (process-wide) thread count. */
  static int blasThreads() {
    return NativeOpsHolderHolder.BLAS.getMaxThreads();
  }

  private static synchronized void setBlasThreads(int threads) {
    Blas blas = NativeOpsHolderHolder.BLAS;
    if (blas.getMaxThreads() != threads) {
      blas.setMaxThreads(threads);
    }
  }

  /** ND4J's native operations, reached once the backend is loaded (NativeOpsHolder needs it). */
  private static final class NativeOpsHolderHolder {
    static final NativeOps OPS;
    static final Blas BLAS;
    static final int BLAS_THREADS;

    static {
      Nd4j.getBackend();
      OPS = NativeOpsHolder.getInstance().getDeviceNativeOps();
      BLAS = Nd4j.factory().blas();
      BLAS_THREADS = BLAS.getMaxThreads();
    }
  }

  /** Releases the native arrays. */
  void close() {
    for (int l = 0; l < weights.length; l++) {
      weights[l].close();
      biases[l].close();
    }
  }
}
