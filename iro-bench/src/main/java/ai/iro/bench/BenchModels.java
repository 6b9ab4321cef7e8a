package ai.iro.bench;

import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.ValueStack;
import ai.iro.onnx.lm.HiddenFeatures;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.runtime.ExecutionOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import ai.iro.onnx.value.MlpValueHead;
import ai.iro.onnx.value.MlpValueTrainer;
import java.util.List;
import java.util.SplittableRandom;

/** Shared set-up of the benchmarks that run the shipped model. */
final class BenchModels {
  /** The default model directory, relative to the repository root. */
  static final String DEFAULT_MODEL = "models/kjv-tiny";

  /** Short held-out style prompts, a few tokens each, so prompt + 224 new tokens fits the 256-position context. */
  static final List<String> PROMPTS = List.of(
      "And all the days of",
      "So he drove out the man; and he",
      "And Arphaxad lived after he begat Salah four",
      "In the beginning",
      "And the LORD said unto Moses",
      "Blessed are they that",
      "Then came the word of the LORD",
      "And it came to pass");

  private BenchModels() {}

  /** The model directory: the system property {@code iro.model} if set, else the given parameter. */
  static Path modelDirectory(String param) {
    Path dir = Path.of(System.getProperty("iro.model", param));
    if (!Files.isDirectory(dir)) {
      throw new IllegalStateException("model directory " + dir.toAbsolutePath()
          + " not found: run from the repository root or pass -p model=... / -Diro.model=...");
    }
    return dir;
  }

  /**
   * Loads the model with end-of-sequence stopping turned off, so every row runs to the requested
   * length (the bare loop does not stop either, and equal work is the point of a ratio). The shipped
   * model uses 2047 as BOS, EOS and pad, and greedy decoding emits it at each verse end. The model
   * is loaded from a temporary copy of its directory whose config.json and generation_config.json
   * say {@code "eos_token_id": []}; the ONNX graph and tokenizer are the same bytes (symbolic links
   * where the file system allows, so a 500 MB model is not copied). The copy is deleted when the JVM
   * exits.
   */
  static OnnxCausalLM load(String param, int threads) {
    return load(param, threads, HiddenFeatures.LAST);
  }

  /** As {@link #load(String, int)}, the value heads reading {@code features}. */
  static OnnxCausalLM load(String param, int threads, HiddenFeatures features) {
    Path dir = stopFreeCopy(modelDirectory(param));
    return OnnxCausalLM.builder().modelDirectory(dir).execution(ExecutionOptions.cpu(threads))
        .hiddenFeatures(features).build();
  }

  private static Path stopFreeCopy(Path source) {
    try {
      Path copy = Files.createTempDirectory("iro-bench-stopfree-");
      copy.toFile().deleteOnExit();
      try (java.util.stream.Stream<Path> files = Files.list(source)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          if (!Files.isRegularFile(f)) {
            continue;
          }
          Path target = copy.resolve(f.getFileName().toString());
          String name = f.getFileName().toString();
          if (name.equals("config.json") || name.equals("generation_config.json")) {
            String json = Files.readString(f);
            Files.writeString(target, json.replaceAll("\"eos_token_id\"\\s*:\\s*(\\d+|\\[[^\\]]*\\])",
                "\"eos_token_id\": []"));
          } else {
            link(f, target);
          }
          target.toFile().deleteOnExit();
        }
      }
      return copy;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot copy " + source, e);
    }
  }

  private static void link(Path source, Path target) throws java.io.IOException {
    try {
      Files.createSymbolicLink(target, source.toAbsolutePath());
    } catch (UnsupportedOperationException | java.io.IOException e) {
      Files.copy(source, target);
    }
  }

  /**
   * A stack of one head per beta, each an MLP on {@code source} fitted for one epoch to 2,000 seeded
   * random feature rows and targets (the heads' quality does not matter to a cost benchmark, only
   * their size). The heads are added to {@code heads}, for the caller to close.
   */
  static ValueStack randomHeads(FeatureSource source, double[] betas, List<MlpValueHead> heads) {
    SplittableRandom random = new SplittableRandom(2024);
    float[][] x = new float[2000][source.dimension()];
    double[] y = new double[x.length];
    ValueStack stack = ValueStack.empty();
    for (int h = 0; h < betas.length; h++) {
      for (int i = 0; i < x.length; i++) {
        for (int j = 0; j < x[i].length; j++) {
          x[i][j] = (float) random.nextGaussian();
        }
        y[i] = random.nextDouble();
      }
      MlpValueHead head = MlpValueTrainer.builder().features(source).epochs(1).build().fit(x, y, 100 + h).head();
      heads.add(head);
      stack = stack.with(head, betas[h]);
    }
    return stack;
  }

  /** {@code n} prompts, cycling through {@link #PROMPTS}. */
  static List<String> prompts(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> PROMPTS.get(i % PROMPTS.size())).toList();
  }

  /** The same prompt {@code n} times (equal lengths, so the bare loop needs no padding). */
  static List<String> samePrompt(int n) {
    return java.util.Collections.nCopies(n, PROMPTS.get(0));
  }
}
