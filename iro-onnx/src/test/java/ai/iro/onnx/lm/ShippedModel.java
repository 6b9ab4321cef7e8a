package ai.iro.onnx.lm;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find models/kjv-tiny (set by surefire in iro-onnx/pom.xml). */
public final class ShippedModel {
  private ShippedModel() {}

  /** The shipped model's directory. */
  public static Path directory() {
    Path p = Path.of(System.getProperty("iro.model.dir", "../models/kjv-tiny"));
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("shipped model not found at " + p.toAbsolutePath());
    }
    return p;
  }
}
