package ai.iro.examples;

/** The imports the README's first Java snippet is compiled with, wherever a test compiles it. */
final class Snippets {
  /** Imports the README snippet may rely on beyond the core packages. */
  static final String EXTRA_IMPORTS = "import ai.iro.examples.reward.*;\n"
      + "import ai.iro.onnx.features.*;\n"
      + "import ai.iro.onnx.lm.*;\n"
      + "import ai.iro.onnx.value.*;\n";

  /** The core API, java.nio.file and java.util, then {@link #EXTRA_IMPORTS}. */
  static final String IMPORTS = "import ai.iro.core.*;\n"
      + "import ai.iro.core.data.*;\n"
      + "import ai.iro.core.model.*;\n"
      + "import ai.iro.core.reward.*;\n"
      + "import ai.iro.core.search.*;\n"
      + "import ai.iro.core.value.*;\n"
      + "import java.nio.file.*;\n"
      + "import java.util.*;\n"
      + EXTRA_IMPORTS;

  private Snippets() {}
}
