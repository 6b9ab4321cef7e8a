package ai.iro.onnx.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The process-wide ONNX Runtime environment and session factory of this library.
 *
 * <p>ONNX Runtime's native library is loaded once, by the first call here, on a dedicated thread
 * with a {@value #INIT_STACK_MEGABYTES} MB stack: loading it needs more stack than the JVM's default
 * 1 MB thread stack when a long classpath (for example ND4J's every-platform jars) is present, and
 * it then kills the JVM with SIGSEGV. Everything in {@code iro-onnx} goes through this class, so a
 * user's JVM is safe whatever its {@code -Xss}.
 *
 * <p>Thread safe.
 */
public final class OrtRuntime {
  /** The stack size of the thread that loads the native library. */
  public static final int INIT_STACK_MEGABYTES = 64;

  private static volatile OrtEnvironment environment;

  private OrtRuntime() {}

  /**
   * The shared environment, loading ONNX Runtime on a large-stack thread on first use.
   *
   * @throws IllegalStateException if the native library cannot be loaded
   */
  public static OrtEnvironment environment() {
    OrtEnvironment env = environment;
    if (env != null) {
      return env;
    }
    synchronized (OrtRuntime.class) {
      if (environment == null) {
        FutureTask<OrtEnvironment> load = new FutureTask<>(OrtEnvironment::getEnvironment);
        Thread thread = new Thread(null, load, "iro-ort-init", (long) INIT_STACK_MEGABYTES << 20);
        thread.setDaemon(true);
        thread.start();
        try {
          environment = load.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while loading ONNX Runtime", e);
        } catch (ExecutionException e) {
          throw new IllegalStateException("cannot load the ONNX Runtime native library: " + e.getCause(), e.getCause());
        }
      }
      return environment;
    }
  }

  /** The execution providers this ONNX Runtime build offers (CPU always; CUDA in the GPU build). */
  public static EnumSet<OrtProvider> availableProviders() {
    environment();
    return OrtEnvironment.getAvailableProviders();
  }

  /**
   * Opens a session on a model file.
   *
   * @param model the .onnx file
   * @param device where to run it
   * @param intraOpThreads threads per operator, at least 1
   * @throws IllegalArgumentException if the file is missing, truncated or not an ONNX model (the
   *     message names it)
   * @throws IllegalStateException if the device's execution provider cannot be used
   */
  public static OrtSession open(Path model, Device device, int intraOpThreads) {
    if (!Files.isRegularFile(model)) {
      throw new IllegalArgumentException("ONNX model file " + model + " does not exist");
    }
    OrtEnvironment env = environment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setIntraOpNumThreads(intraOpThreads);
      options.setInterOpNumThreads(1);
      if (device.kind() == Device.Kind.CUDA) {
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
          throw new IllegalStateException("device " + device + " asked for, but this ONNX Runtime build offers only "
              + OrtEnvironment.getAvailableProviders() + ": build with -Pcuda (onnxruntime_gpu) and install CUDA 12 and cuDNN 9");
        }
        try {
          options.addCUDA(device.index());
        } catch (OrtException | RuntimeException e) {
          throw new IllegalStateException("cannot use the CUDA execution provider on device " + device + ": "
              + e.getMessage() + " (CUDA 12 and cuDNN 9 libraries must be on the library path, and the GPU present)", e);
        }
      }
      try {
        return env.createSession(model.toString(), options);
      } catch (OrtException e) {
        throw new IllegalArgumentException("cannot load ONNX model " + model + ": " + e.getMessage()
            + " (expected a complete ONNX model file)", e);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("cannot configure an ONNX Runtime session for " + model + ": " + e.getMessage(), e);
    }
  }
}
