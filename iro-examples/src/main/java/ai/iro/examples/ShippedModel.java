package ai.iro.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The small KJV model the repository ships ({@code models/kjv-tiny}) and the text classifier of the
 * evaluation ({@code models/kjv-classifier}), packaged inside the examples jar and unpacked on first
 * use to temporary directories. Thread safe: each directory is unpacked once per JVM.
 */
public final class ShippedModel {
  /** The files of the model, as packaged under {@value #RESOURCE_DIR}. */
  public static final List<String> FILES = List.of("model.onnx", "config.json", "generation_config.json",
      "tokenizer.json", "tokenizer_config.json", "prompts-train.jsonl", "prompts-heldout.jsonl", "LICENSE-CORPUS.txt");
  /** Where the files live on the classpath. */
  public static final String RESOURCE_DIR = "/ai/iro/examples/model/kjv-tiny/";
  /** The files of the classifier, as packaged under {@value #CLASSIFIER_RESOURCE_DIR}; its tokenizer is the model's. */
  public static final List<String> CLASSIFIER_FILES = List.of("model.onnx");
  /** Where the classifier lives on the classpath. */
  public static final String CLASSIFIER_RESOURCE_DIR = "/ai/iro/examples/model/kjv-classifier/";

  private static Path unpacked;
  private static Path classifier;

  private ShippedModel() {}

  /** The directory of the shipped model, unpacked once per JVM. */
  public static synchronized Path directory() {
    if (unpacked == null) {
      unpacked = unpack("iro-kjv-tiny-", RESOURCE_DIR, FILES);
    }
    return unpacked;
  }

  /** The directory of the shipped New/Old Testament classifier ({@code model.onnx}), unpacked once per JVM. */
  public static synchronized Path classifierDirectory() {
    if (classifier == null) {
      classifier = unpack("iro-kjv-classifier-", CLASSIFIER_RESOURCE_DIR, CLASSIFIER_FILES);
    }
    return classifier;
  }

  private static Path unpack(String prefix, String resourceDir, List<String> files) {
    try {
      Path dir = Files.createTempDirectory(prefix);
      for (String name : files) {
        try (InputStream in = ShippedModel.class.getResourceAsStream(resourceDir + name)) {
          if (in == null) {
            throw new IllegalStateException("resource " + resourceDir + name + " is missing from the examples jar");
          }
          Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        dir.resolve(name).toFile().deleteOnExit();
      }
      dir.toFile().deleteOnExit();
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack " + resourceDir + " from the examples jar", e);
    }
  }
}
