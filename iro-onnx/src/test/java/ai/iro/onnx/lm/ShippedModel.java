package ai.iro.onnx.lm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find models/kjv-tiny (set by surefire in iro-onnx/pom.xml), and variants of it. */
public final class ShippedModel {
  /** The files of a model directory that loading reads. */
  private static final String[] MODEL_FILES = {"model.onnx", "config.json", "generation_config.json", "tokenizer.json",
      "tokenizer_config.json"};

  private ShippedModel() {}

  /** The shipped model's directory. */
  public static Path directory() {
    Path p = Path.of(System.getProperty("iro.model.dir", "../models/kjv-tiny"));
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("shipped model not found at " + p.toAbsolutePath());
    }
    return p;
  }

  /** The shipped model's golden_logits.json (PyTorch reference). */
  public static Path goldenLogits() {
    return directory().resolve("golden_logits.json");
  }

  /**
   * A directory in {@code parent} with a copy of the shipped model's files and a
   * generation_config.json naming no end-of-sequence id: greedy decoding then runs to its length
   * limit, like the golden continuations, which do not stop at end-of-sequence.
   */
  public static Path withoutEndOfSequence(Path parent) {
    try {
      Path dir = Files.createDirectories(parent.resolve("kjv-tiny-no-eos"));
      for (String name : MODEL_FILES) {
        Path source = directory().resolve(name).toAbsolutePath();
        if (Files.exists(source) && !name.equals("generation_config.json")) {
          Files.copy(source, dir.resolve(name));
        }
      }
      Files.writeString(dir.resolve("generation_config.json"), "{\"bos_token_id\": 2047, \"eos_token_id\": []}\n");
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copy (real files) of the shipped model's directory in {@code parent}, to corrupt. */
  public static Path copy(Path parent) {
    try {
      Path dir = Files.createDirectories(parent.resolve("kjv-tiny-copy"));
      for (String name : MODEL_FILES) {
        Path source = directory().resolve(name);
        if (Files.exists(source)) {
          Files.copy(source, dir.resolve(name));
        }
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
