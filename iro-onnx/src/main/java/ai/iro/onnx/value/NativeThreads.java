package ai.iro.onnx.value;

import java.util.function.Supplier;
import org.nd4j.linalg.api.blas.Blas;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOps;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The threads that ND4J's native code uses for value heads: its OpenMP team for element-wise
 * operations and OpenBLAS's workers for matrix products. Scoring and training differ, so each runs
 * its work through {@link #scoring} or {@link #training}.
 */
final class NativeThreads {
  private NativeThreads() {}

  /**
   * Runs {@code work} with ND4J's element-wise operations on the calling thread alone; matrix
   * products still use OpenBLAS's threads. The element-wise work of a value head is small, and the
   * OpenMP team that ND4J would start for it spins while idle and competes with OpenBLAS's threads:
   * on 2 cores that made training 3 to 4 times and scoring 10 times slower. The OpenMP setting is
   * per thread, so this touches no other thread.
   */
  static <T> T singleThreaded(Supplier<T> work) {
    NativeOps ops = Holder.OPS;
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
    setBlasThreads(Holder.BLAS_THREADS);
    return singleThreaded(work);
  }

  /** The BLAS thread count that training uses: BLAS's own choice when it was loaded. */
  static int trainingBlasThreads() {
    return Holder.BLAS_THREADS;
  }

  /** BLAS's current (process-wide) thread count. */
  static int blasThreads() {
    return Holder.BLAS.getMaxThreads();
  }

  private static synchronized void setBlasThreads(int threads) {
    Blas blas = Holder.BLAS;
    if (blas.getMaxThreads() != threads) {
      blas.setMaxThreads(threads);
    }
  }

  /** ND4J's native operations, reached once the backend is loaded (NativeOpsHolder needs it). */
  private static final class Holder {
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
}
