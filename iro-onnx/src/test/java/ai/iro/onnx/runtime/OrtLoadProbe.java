package ai.iro.onnx.runtime;

import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link NativeLoadingTest}: loads ONNX Runtime either through
 * {@link OrtRuntime} ("safe") or directly on the calling thread ("direct"), then opens a session.
 */
public final class OrtLoadProbe {
  private OrtLoadProbe() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("direct")) {
      OrtEnvironment.getEnvironment();
    }
    try (var session = OrtRuntime.open(Path.of(args[1]), Device.cpu(), 1)) {
      System.out.println("loaded " + session.getInputNames().size() + " inputs");
    }
  }
}
