package ai.iro.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A STREAM-style copy measurement of this machine's memory bandwidth: {@code b[i] = a[i]} over two
 * {@code double[]} arrays far larger than any cache, split into equal slices copied at once by
 * {@code threads} threads, best of several repetitions. As in STREAM, a copy of {@code n} bytes
 * counts {@code 2 n} bytes moved (one read, one write); the write-allocate read that the hardware
 * adds is not counted, so the figure is a lower bound of what the memory bus carries.
 */
public final class CopyBandwidth {
  /** Bytes counted per copied byte: one read and one write (STREAM's convention). */
  public static final int BYTES_MOVED_PER_BYTE_COPIED = 2;

  private CopyBandwidth() {}

  /**
   * Bytes per second of a copy of {@code arrayBytes} bytes that took {@code nanos} nanoseconds,
   * counting the read and the write.
   */
  public static double bytesPerSecond(long arrayBytes, long nanos) {
    if (arrayBytes <= 0) {
      throw new IllegalArgumentException("arrayBytes must be positive, found " + arrayBytes);
    }
    if (nanos <= 0) {
      throw new IllegalArgumentException("nanos must be positive, found " + nanos);
    }
    return (double) BYTES_MOVED_PER_BYTE_COPIED * arrayBytes * 1e9 / nanos;
  }

  /**
   * Measures the copy bandwidth, in bytes per second: the best of {@code repetitions} copies of
   * {@code arrayBytes} bytes (rounded down to whole doubles), after one untimed copy that touches
   * every page and is checked element by element.
   *
   * @param threads the threads copying slices at once, positive
   * @param arrayBytes the size of each of the two arrays, at least 8 bytes per thread
   * @param repetitions the timed copies, positive
   */
  public static double measure(int threads, long arrayBytes, int repetitions) {
    if (threads <= 0) {
      throw new IllegalArgumentException("threads must be positive, found " + threads);
    }
    if (arrayBytes < 8L * threads || arrayBytes / 8 > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("arrayBytes must be between 8 per thread and 16 GiB, found " + arrayBytes);
    }
    if (repetitions <= 0) {
      throw new IllegalArgumentException("repetitions must be positive, found " + repetitions);
    }
    int n = (int) (arrayBytes / 8);
    double[] a = new double[n];
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    List<Callable<Void>> slices = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int from = (int) ((long) n * t / threads);
      int to = (int) ((long) n * (t + 1) / threads);
      slices.add(() -> {
        System.arraycopy(a, from, b, from, to - from);
        return null;
      });
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      copy(pool, slices);
      for (int i = 0; i < n; i++) {
        if (b[i] != a[i]) {
          throw new IllegalStateException("copy incomplete: b[" + i + "] = " + b[i] + ", expected " + a[i]);
        }
      }
      long best = Long.MAX_VALUE;
      for (int r = 0; r < repetitions; r++) {
        long start = System.nanoTime();
        copy(pool, slices);
        best = Math.min(best, System.nanoTime() - start);
      }
      return bytesPerSecond(8L * n, Math.max(1, best));
    } finally {
      pool.shutdownNow();
    }
  }

  private static void copy(ExecutorService pool, List<Callable<Void>> slices) {
    try {
      for (Future<Void> f : pool.invokeAll(slices)) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while measuring the copy bandwidth", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("copy failed", e.getCause());
    }
  }
}
