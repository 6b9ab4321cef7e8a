package ai.iro.onnx.lm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.iro.onnx.text.SpecialTokens;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import com.google.common.hash.Hashing;
import com.google.common.io.ByteSource;
import com.google.common.io.MoreFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * wrong directory fails at once with a message naming the file. Immutable (the content hash of
 * {@link #weightsSha256()} is computed once, when first asked for).
 */
final class ModelDirectory {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WITH_PAST_STEM = "decoder_with_past_model";
  private static final String FIRST_PASS_STEM = "decoder_model";

  private final Path directory;
  private final Path modelFile;
  private final Optional<Path> firstPassFile;
  private final ImmutableList<Path> externalDataFiles;
  private final ImmutableList<Path> weightFiles;
  private final Supplier<String> weightsSha256 = Suppliers.memoize(this::hashWeightFiles);
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
    this.firstPassFile = firstPassFile(modelFile);
    ImmutableList.Builder<Path> data = ImmutableList.builder();
    ImmutableList.Builder<Path> weights = ImmutableList.builder();
    for (Path graph : firstPassFile.isPresent() ? List.of(firstPassFile.get(), modelFile) : List.of(modelFile)) {
      List<Path> graphData = findExternalData(graph);
      data.addAll(graphData);
      weights.add(graph).addAll(graphData);
    }
    this.externalDataFiles = data.build();
    this.weightFiles = weights.build();
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
   * {@code "fp32"}, else {@code model_<variant>.onnx}, {@code decoder_model_merged_<variant>.onnx}
   * and {@code decoder_with_past_model_<variant>.onnx}, each at the top and under {@code onnx/}
   * (transformers.js writes {@code onnx/model_q4.onnx}, Optimum's quantizer
   * {@code decoder_model_merged_quantized.onnx}).
   */
  static List<String> variantFiles(String variant) {
    if (variant.equals(OnnxCausalLM.FP32_VARIANT)) {
      return OnnxCausalLM.MODEL_FILES;
    }
    List<String> names = new ArrayList<>();
    for (String stem : List.of("model_", "decoder_model_merged_", WITH_PAST_STEM + "_")) {
      names.add(stem + variant + ".onnx");
      names.add("onnx/" + stem + variant + ".onnx");
    }
    return List.copyOf(names);
  }

  /**
   * The graph of an older Optimum pair's first pass: {@code decoder_model[_<variant>].onnx} beside a
   * {@code decoder_with_past_model[_<variant>].onnx}; empty for any other file, or when the with-past
   * graph stands alone (it then runs the first pass too, with an empty past).
   */
  private static Optional<Path> firstPassFile(Path modelFile) {
    String name = modelFile.getFileName().toString();
    if (!name.startsWith(WITH_PAST_STEM)) {
      return Optional.empty();
    }
    Path first = modelFile.resolveSibling(FIRST_PASS_STEM + name.substring(WITH_PAST_STEM.length()));
    return Files.isRegularFile(first) ? Optional.of(first) : Optional.empty();
  }

  /** The model directory. */
  Path directory() {
    return directory;
  }

  /** The ONNX file: the only graph, or the with-past graph of an older Optimum pair. */
  Path modelFile() {
    return modelFile;
  }

  /**
   * The graph without past inputs that runs a pair's first pass ({@code decoder_model.onnx} next to
   * {@link #modelFile()} {@code decoder_with_past_model.onnx}); empty for a single graph.
   */
  Optional<Path> firstPassFile() {
    return firstPassFile;
  }

  /**
   * The files beside the ONNX files (the first-pass graph's, then the model file's) that hold their
   * external data, each graph's in a fixed order: {@code <file>_data}
   * (Optimum, transformers.js), {@code <file>.data} (PyTorch's exporter), then {@code <file>_data_1},
   * {@code _data_2}, ... (transformers.js's chunks of a large model); empty when the weights are
   * inside the graph file. ONNX Runtime reads them itself, relative to the graph file, which is why
   * the graph is opened by path.
   */
  ImmutableList<Path> externalDataFiles() {
    return externalDataFiles;
  }

  /**
   * Every file holding the model's graphs and weights, in a fixed order: each graph file (the
   * first-pass graph first) followed by its external-data files.
   */
  ImmutableList<Path> weightFiles() {
    return weightFiles;
  }

  /**
   * The SHA-256 of the bytes of {@link #weightFiles()}, one after the other, as 64 lower-case hex
   * digits: the model's identity by content. Read on the first call, streaming the files (they may
   * be gigabytes), then kept; thread safe.
   *
   * @throws UncheckedIOException if a file cannot be read (the next call tries again)
   */
  String weightsSha256() {
    return weightsSha256.get();
  }

  private String hashWeightFiles() {
    List<ByteSource> sources = weightFiles().stream().map(f -> MoreFiles.asByteSource(f)).toList();
    try {
      return ByteSource.concat(sources).hash(Hashing.sha256()).toString();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + weightFiles() + " to identify the model by its content: "
          + e.getMessage(), e);
    }
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
