package ai.iro.onnx.runtime;

import com.google.common.base.Preconditions;
import java.util.Objects;

/**
 * Where and how wide an ONNX model runs: the {@link Device} and ONNX Runtime's threads per operator
 * (intra-op threads). One type for every ONNX-backed class ({@code OnnxCausalLM},
 * {@code SentenceEncoder}, {@code OnnxRewardModel}), given to their builders' {@code execution}
 * setter. Immutable.
 *
 * <pre>{@code
 * ExecutionOptions gpu = ExecutionOptions.cpu(1).withDevice(Device.cuda(0));
 * }</pre>
 *
 * @param device where the model runs
 * @param threads ONNX Runtime's threads per operator, at least 1
 */
public record ExecutionOptions(Device device, int threads) {

  /** Validates the fields. */
  public ExecutionOptions {
    Objects.requireNonNull(device, "device");
    Preconditions.checkArgument(threads >= 1, "threads must be at least 1, found %s", threads);
  }

  /** The CPU with {@code threads} threads per operator. */
  public static ExecutionOptions cpu(int threads) {
    return new ExecutionOptions(Device.cpu(), threads);
  }

  /** The CPU with one thread per available processor. */
  public static ExecutionOptions allCores() {
    return cpu(Runtime.getRuntime().availableProcessors());
  }

  /** These options on another device. */
  public ExecutionOptions withDevice(Device other) {
    return new ExecutionOptions(other, threads);
  }

  /** These options with another thread count, at least 1. */
  public ExecutionOptions withThreads(int other) {
    return new ExecutionOptions(device, other);
  }
}
