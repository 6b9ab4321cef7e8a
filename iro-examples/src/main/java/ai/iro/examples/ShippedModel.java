package ai.iro.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The small KJV model the repository ships ({@code models/kjv-tiny}), packaged inside the examples
 * jar and unpacked on first use to a temporary directory. Thread safe: {@link #directory()} unpacks
 * once per JVM.
 */
public final class ShippedModel {
  /** The files of the model, as packaged under {@value #RESOURCE_DIR}. */
  public static final List<String> FILES = List.of("model.onnx", "config.json", "generation_config.json",
      "tokenizer.json", "tokenizer_config.json", "prompts-train.jsonl", "prompts-heldout.jsonl", "LICENSE-CORPUS.txt");
  /** Where the files live on the classpath. */
  public static final String RESOURCE_DIR = "/ai/iro/examples/model/kjv-tiny/";

  private static Path unpacked;

  private ShippedModel() {}

  /** The directory of the shipped model, unpacked once per JVM. */
  public static synchronized Path directory() {
    if (unpacked != null) {
      return unpacked;
    }
    try {
      Path dir = Files.createTempDirectory("iro-kjv-tiny-");
      for (String name : FILES) {
        try (InputStream in = ShippedModel.class.getResourceAsStream(RESOURCE_DIR + name)) {
          if (in == null) {
            throw new IllegalStateException("resource " + RESOURCE_DIR + name + " is missing from the examples jar");
          }
          Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        dir.resolve(name).toFile().deleteOnExit();
      }
      dir.toFile().deleteOnExit();
      unpacked = dir;
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack the shipped model", e);
    }
  }
}
