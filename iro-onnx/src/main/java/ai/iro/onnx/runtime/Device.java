package ai.iro.onnx.runtime;

import com.google.common.base.Preconditions;
import java.util.Locale;
import java.util.Objects;

/** Where ONNX Runtime executes a model: the CPU, or a CUDA GPU by index. Immutable. */
public final class Device {
  private static final Device CPU = new Device(Kind.CPU, 0);

  /** The kind of device. */
  public enum Kind {
    /** The CPU execution provider (the default, in every ONNX Runtime build). */
    CPU,
    /** The CUDA execution provider (needs the {@code onnxruntime_gpu} build, CUDA 12 and cuDNN 9). */
    CUDA
  }

  private final Kind kind;
  private final int index;

  private Device(Kind kind, int index) {
    this.kind = kind;
    this.index = index;
  }

  /** The CPU. */
  public static Device cpu() {
    return CPU;
  }

  /** The CUDA GPU with the given index, at least 0. */
  public static Device cuda(int index) {
    Preconditions.checkArgument(index >= 0, "CUDA device index must be at least 0, found %s", index);
    return new Device(Kind.CUDA, index);
  }

  /**
   * Parses {@code cpu}, {@code cuda} or {@code cuda:N}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Device parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("cpu")) {
      return cpu();
    }
    if (t.equals("cuda")) {
      return cuda(0);
    }
    if (t.startsWith("cuda:")) {
      try {
        return cuda(Integer.parseInt(t.substring(5)));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad CUDA device index in '" + text + "'", e);
      }
    }
    throw new IllegalArgumentException("unknown device '" + text + "', expected cpu, cuda or cuda:N");
  }

  /** The kind. */
  public Kind kind() {
    return kind;
  }

  /** The GPU index (0 for the CPU). */
  public int index() {
    return index;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Device && ((Device) o).kind == kind && ((Device) o).index == index;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, index);
  }

  @Override
  public String toString() {
    return kind == Kind.CPU ? "cpu" : "cuda:" + index;
  }
}
