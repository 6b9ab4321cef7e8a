package ai.iro.onnx.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import com.google.common.base.Preconditions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide ONNX Runtime environment of this library, and the one place that creates
 * sessions.
 *
 * <p>ONNX Runtime's native library is loaded once, by the first call here, on a dedicated thread
 * with a {@value #INIT_STACK_MEGABYTES} MB stack. Its initialisation (ONNX Runtime 1.29, JDK 17,
 * Linux x86-64) needs nearly all of a default 1 MB thread stack: on an ordinary thread it overflows,
 * killing the JVM with SIGSEGV and no Java exception, under a smaller {@code -Xss}, or with the
 * default stack once the class path is longer than about 3,900 characters (ND4J's jars take this
 * module's to about 4,700). Everything in {@code iro-onnx} goes through this class, so a JVM using it
 * is safe whatever its {@code -Xss} and class path; code that calls
 * {@code OrtEnvironment.getEnvironment()} itself before this class does gives up that protection.
 *
 * <p>Sessions use graph optimisation level ALL, deterministic compute and a configurable number of
 * intra-op threads, on the CPU or on a CUDA GPU ({@link Device}).
 *
 * <p>Thread safe.
 */
public final class OrtRuntime {
  /** The stack size, in megabytes, of the thread that loads the native library. */
  public static final int INIT_STACK_MEGABYTES = 64;
  /** The name of the thread that loads the native library. */
  public static final String INIT_THREAD_NAME = "iro-ort-init";
  /** What to do to use CUDA, quoted in every CUDA error. */
  public static final String CUDA_REQUIREMENTS = "build with -Pcuda and install CUDA 12 and cuDNN 9";

  private static final Logger LOG = LoggerFactory.getLogger(OrtRuntime.class);
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
        environment = loadOnLargeStack();
      }
      return environment;
    }
  }

  private static OrtEnvironment loadOnLargeStack() {
    long start = System.nanoTime();
    FutureTask<OrtEnvironment> load = new FutureTask<>(OrtEnvironment::getEnvironment);
    Thread thread = new Thread(null, load, INIT_THREAD_NAME, (long) INIT_STACK_MEGABYTES << 20);
    thread.setDaemon(true);
    thread.start();
    try {
      OrtEnvironment env = load.get();
      LOG.debug("loaded ONNX Runtime {} on thread {} ({} MB stack) in {} ms; providers {}", env.getVersion(),
          INIT_THREAD_NAME, INIT_STACK_MEGABYTES, (System.nanoTime() - start) / 1_000_000,
          OrtEnvironment.getAvailableProviders());
      return env;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading the ONNX Runtime native library", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new IllegalStateException("cannot load the ONNX Runtime native library: " + cause, cause);
    }
  }

  /** The execution providers this ONNX Runtime build offers (CPU always; CUDA in the GPU build). */
  public static EnumSet<OrtProvider> availableProviders() {
    environment();
    return OrtEnvironment.getAvailableProviders();
  }

  /**
   * Whether this ONNX Runtime build offers CUDA. True does not mean a GPU, CUDA 12 and cuDNN 9 are
   * present; opening a session on {@link Device#cuda} tells.
   */
  public static boolean hasCudaProvider() {
    return availableProviders().contains(OrtProvider.CUDA);
  }

  /**
   * Opens a session on a model file with the given execution options.
   *
   * @param model the .onnx file
   * @param execution the device and threads per operator
   * @return a session the caller must close
   * @throws IllegalArgumentException if the file is missing, truncated or not an ONNX model (the
   *     message names it)
   * @throws CudaUnavailableException if the device's execution provider cannot be used (the
   *     message names the provider, the device and what is missing)
   */
  public static OnnxSession open(Path model, ExecutionOptions execution) {
    return open(model, execution.device(), execution.threads());
  }

  /**
   * Opens a session on a model file.
   *
   * @param model the .onnx file
   * @param device where to run it
   * @param intraOpThreads threads per operator, at least 1
   * @return a session the caller must close
   * @throws IllegalArgumentException if the file is missing, truncated or not an ONNX model (the
   *     message names it)
   * @throws CudaUnavailableException if the device's execution provider cannot be used (the
   *     message names the provider, the device and what is missing)
   */
  public static OnnxSession open(Path model, Device device, int intraOpThreads) {
    Objects.requireNonNull(model, "model");
    if (!Files.isRegularFile(model)) {
      throw new IllegalArgumentException("ONNX model file " + model + " does not exist");
    }
    return open(model.toString(), null, device, intraOpThreads);
  }

  /**
   * Opens a session on a model held in memory, such as a small graph built by this library.
   *
   * @param model the serialised ONNX model
   * @param name names the model in messages
   * @param device where to run it
   * @param intraOpThreads threads per operator, at least 1
   * @return a session the caller must close
   * @throws IllegalArgumentException if the bytes are not an ONNX model
   * @throws CudaUnavailableException if the device's execution provider cannot be used
   */
  public static OnnxSession open(byte[] model, String name, Device device, int intraOpThreads) {
    Objects.requireNonNull(model, "model");
    return open(Objects.requireNonNull(name, "name"), model, device, intraOpThreads);
  }

  private static OnnxSession open(String source, byte[] bytes, Device device, int intraOpThreads) {
    Objects.requireNonNull(device, "device");
    Preconditions.checkArgument(intraOpThreads >= 1, "intraOpThreads must be at least 1, found %s", intraOpThreads);
    OrtEnvironment env = environment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    try {
      configure(options, source, device, intraOpThreads);
      OrtSession session = bytes == null ? env.createSession(source, options) : env.createSession(bytes, options);
      LOG.debug("opened {} on {} with {} intra-op threads", source, device, intraOpThreads);
      return new OnnxSession(source, device, session, options);
    } catch (OrtException e) {
      options.close();
      if (device.kind() == Device.Kind.CUDA && mentionsCuda(e.getMessage())) {
        throw cudaUnusable(device, e);
      }
      throw new IllegalArgumentException("cannot load ONNX model " + source + ": " + e.getMessage()
          + " (expected a complete ONNX model file)", e);
    } catch (RuntimeException e) {
      options.close();
      throw e;
    }
  }

  private static void configure(OrtSession.SessionOptions options, String source, Device device, int threads) {
    try {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setDeterministicCompute(true);
    } catch (OrtException e) {
      throw new IllegalStateException("cannot configure an ONNX Runtime session for " + source + ": " + e.getMessage(), e);
    }
    if (device.kind() == Device.Kind.CUDA) {
      EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
      if (!providers.contains(OrtProvider.CUDA)) {
        throw new CudaUnavailableException("the CUDA execution provider for device " + device + " (GPU "
            + device.index() + ") is not in this ONNX Runtime build, which offers only " + providers + ": "
            + CUDA_REQUIREMENTS, null);
      }
      try {
        options.addCUDA(device.index());
      } catch (OrtException | RuntimeException e) {
        throw cudaUnusable(device, e);
      }
    }
  }

  private static boolean mentionsCuda(String message) {
    String m = String.valueOf(message).toLowerCase(Locale.ROOT);
    return m.contains("cuda") || m.contains("cudnn") || m.contains("gpu");
  }

  private static CudaUnavailableException cudaUnusable(Device device, Exception e) {
    return new CudaUnavailableException("cannot start the CUDA execution provider on device " + device + " (GPU "
        + device.index() + "): " + e.getMessage() + "; " + CUDA_REQUIREMENTS
        + " (their libraries on the library path) and check that the GPU exists", e);
  }
}
