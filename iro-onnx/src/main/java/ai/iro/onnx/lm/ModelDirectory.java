package ai.iro.onnx.lm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.iro.onnx.text.SpecialTokens;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The files of a model directory and what its JSON configs say: the ONNX file (the first of
 * {@link OnnxCausalLM#MODEL_FILES} present, or of {@link #variantFiles(String)} when a variant is
 * asked for), the files holding its external data ({@link #externalDataFiles()}), {@code tokenizer.json}, the context length and the
 * special tokens (generation_config.json first, then config.json; the pad id config.json first), and
 * config.json itself for the dimensions a graph leaves dynamic. Read before any native work, so a
 * wrong directory fails at once with a message naming the file. Immutable.
 */
final class ModelDirectory {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path directory;
  private final Path modelFile;
  private final ImmutableList<Path> externalDataFiles;
  private final Path tokenizerFile;
  private final JsonNode config;
  private final int contextLength;
  private final ImmutableSet<Integer> eosIds;
  private final ImmutableList<Integer> promptPrefix;
  private final String prefixRule;
  private final int padId;

  private ModelDirectory(Path directory, Optional<Boolean> prependBos, Optional<String> variant) {
    this.directory = directory;
    this.modelFile = findModel(directory, variant);
    this.externalDataFiles = findExternalData(modelFile);
    this.config = readJson(directory.resolve("config.json"), true);
    JsonNode generation = readJson(directory.resolve("generation_config.json"), false);
    this.tokenizerFile = directory.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new IllegalArgumentException("tokenizer file " + tokenizerFile
          + " is missing (expected a Hugging Face tokenizer.json in the model directory)");
    }
    this.contextLength = contextLength(config);
    this.eosIds = ImmutableSet.copyOf(ids(first(generation, config, "eos_token_id")));
    SpecialTokens special = SpecialTokens.load(directory);
    if (prependBos.isEmpty()) {
      this.promptPrefix = ImmutableList.copyOf(special.prefix());
      this.prefixRule = special.rule();
    } else if (prependBos.get()) {
      JsonNode bos = first(generation, config, "bos_token_id");
      Optional<Integer> configured = bos != null && bos.isIntegralNumber() ? Optional.of(bos.asInt()) : Optional.empty();
      int id = special.bosTokenId().or(() -> configured).orElseThrow(() -> new IllegalArgumentException(
          "prependBos(true) was asked, but neither " + directory.resolve("tokenizer_config.json") + " (bos_token) nor "
              + directory.resolve("config.json") + " or generation_config.json (bos_token_id) names a BOS token"));
      this.promptPrefix = ImmutableList.of(id);
      this.prefixRule = "prependBos(true)";
    } else {
      this.promptPrefix = ImmutableList.of();
      this.prefixRule = "prependBos(false)";
    }
    JsonNode pad = first(config, generation, "pad_token_id");
    this.padId = pad != null && pad.isIntegralNumber() ? pad.asInt() : eosIds.isEmpty() ? 0 : eosIds.iterator().next();
  }

  /**
   * Reads the directory's files and configs.
   *
   * @param prependBos whether prompts start with BOS; empty: as the tokenizer's files say
   * @param variant the export variant to load ({@code "q4"}, {@code "quantized"}, ...); empty: the
   *     first of {@link OnnxCausalLM#MODEL_FILES}
   * @throws IllegalArgumentException naming the file, if the directory, the ONNX file (of the
   *     variant), config.json or tokenizer.json is missing, a config is not a JSON object, an
   *     end-of-sequence id is not an integer, or BOS is asked for and no file names one
   */
  static ModelDirectory read(Path directory, Optional<Boolean> prependBos, Optional<String> variant) {
    return new ModelDirectory(directory, prependBos, variant);
  }

  /**
   * The files tried, in order, for an export variant: {@link OnnxCausalLM#MODEL_FILES} for
   * {@code "fp32"}, else {@code model_<variant>.onnx} and {@code decoder_model_merged_<variant>.onnx},
   * each at the top and under {@code onnx/} (transformers.js writes {@code onnx/model_q4.onnx},
   * Optimum's quantizer {@code decoder_model_merged_quantized.onnx}).
   */
  static List<String> variantFiles(String variant) {
    if (variant.equals(OnnxCausalLM.FP32_VARIANT)) {
      return OnnxCausalLM.MODEL_FILES;
    }
    return List.of("model_" + variant + ".onnx", "onnx/model_" + variant + ".onnx",
        "decoder_model_merged_" + variant + ".onnx", "onnx/decoder_model_merged_" + variant + ".onnx");
  }

  /** The model directory. */
  Path directory() {
    return directory;
  }

  /** The ONNX file. */
  Path modelFile() {
    return modelFile;
  }

  /**
   * The files beside the ONNX file that hold its external data, in a fixed order: {@code <file>_data}
   * (Optimum, transformers.js), {@code <file>.data} (PyTorch's exporter), then {@code <file>_data_1},
   * {@code _data_2}, ... (transformers.js's chunks of a large model); empty when the weights are
   * inside the graph file. ONNX Runtime reads them itself, relative to the graph file, which is why
   * the graph is opened by path.
   */
  ImmutableList<Path> externalDataFiles() {
    return externalDataFiles;
  }

  /** The Hugging Face tokenizer file. */
  Path tokenizerFile() {
    return tokenizerFile;
  }

  /** A copy of config.json, for dimensions the graph leaves dynamic. */
  JsonNode config() {
    return config.deepCopy();
  }

  /** The most positions a sequence may have ({@link Integer#MAX_VALUE} when config.json names none). */
  int contextLength() {
    return contextLength;
  }

  /** The end-of-sequence ids (empty when the configs name none). */
  ImmutableSet<Integer> eosIds() {
    return eosIds;
  }

  /**
   * The special ids put before every prompt, as transformers' tokenizer adds them: by default what
   * {@link SpecialTokens#prefix()} says (tokenizer_config.json's flags or tokenizer.json's
   * post-processor); the BOS token alone, or nothing, when {@code prependBos} was given.
   */
  ImmutableList<Integer> promptPrefix() {
    return promptPrefix;
  }

  /** Where {@link #promptPrefix()} comes from, for messages. */
  String prefixRule() {
    return prefixRule;
  }

  /** The id fed for padding: pad_token_id, else the first end-of-sequence id, else 0. */
  int padId() {
    return padId;
  }

  private static Path findModel(Path directory, Optional<String> variant) {
    if (!Files.isDirectory(directory)) {
      throw new IllegalArgumentException("model directory " + directory + " does not exist");
    }
    List<String> names = variant.map(ModelDirectory::variantFiles).orElse(OnnxCausalLM.MODEL_FILES);
    for (String name : names) {
      Path p = directory.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    String asked = variant.map(v -> "no ONNX model of variant \"" + v + "\"").orElse("no ONNX model");
    throw new IllegalArgumentException("model directory " + directory + " has " + asked + "; expected one of " + names
        + ", found " + onnxFiles(directory));
  }

  /** The .onnx files of the directory and of its onnx/ folder, for messages. */
  private static List<String> onnxFiles(Path directory) {
    List<String> found = new ArrayList<>();
    for (String folder : List.of("", "onnx/")) {
      Path dir = directory.resolve(folder.isEmpty() ? "." : folder);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.list(dir)) {
        files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".onnx")).sorted()
            .forEach(n -> found.add(folder + n));
      } catch (IOException e) {
        found.add("(cannot list " + dir + ": " + e.getMessage() + ")");
      }
    }
    return found;
  }

  private static ImmutableList<Path> findExternalData(Path modelFile) {
    String name = modelFile.getFileName().toString();
    ImmutableList.Builder<Path> out = ImmutableList.builder();
    for (String suffix : List.of("_data", ".data")) {
      Path p = modelFile.resolveSibling(name + suffix);
      if (Files.isRegularFile(p)) {
        out.add(p);
      }
    }
    for (int i = 1; Files.isRegularFile(modelFile.resolveSibling(name + "_data_" + i)); i++) {
      out.add(modelFile.resolveSibling(name + "_data_" + i));
    }
    return out.build();
  }

  private static JsonNode readJson(Path file, boolean required) {
    if (!Files.isRegularFile(file)) {
      if (required) {
        throw new IllegalArgumentException("model file " + file + " is missing (expected the Hugging Face config.json)");
      }
      return JSON.createObjectNode();
    }
    try {
      JsonNode n = JSON.readTree(file.toFile());
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException(file + " is not a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + " (expected a JSON object): " + e.getMessage(), e);
    }
  }

  private static int contextLength(JsonNode config) {
    for (String key : OnnxCausalLM.CONTEXT_KEYS) {
      if (config.path(key).isIntegralNumber() && config.get(key).asInt() > 0) {
        return config.get(key).asInt();
      }
    }
    return Integer.MAX_VALUE;
  }

  private static JsonNode first(JsonNode a, JsonNode b, String key) {
    if (a.hasNonNull(key)) {
      return a.get(key);
    }
    return b.hasNonNull(key) ? b.get(key) : null;
  }

  private List<Integer> ids(JsonNode node) {
    List<Integer> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (node.isArray()) {
      node.forEach(x -> out.add(tokenId(x)));
    } else {
      out.add(tokenId(node));
    }
    return out;
  }

  private int tokenId(JsonNode node) {
    if (!node.isIntegralNumber()) {
      throw new IllegalArgumentException("eos_token_id in " + directory + " must be an integer or a list of integers, found "
          + node);
    }
    return node.asInt();
  }
}
