package ai.iro.examples;

/** Imports the README snippet may rely on beyond the core packages. */
final class Snippets {
  static final String EXTRA_IMPORTS = "import ai.iro.examples.reward.*;\n"
      + "import ai.iro.onnx.features.*;\n"
      + "import ai.iro.onnx.lm.*;\n"
      + "import ai.iro.onnx.value.*;\n";

  private Snippets() {}
}
