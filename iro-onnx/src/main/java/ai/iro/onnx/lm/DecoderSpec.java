package ai.iro.onnx.lm;

import ai.iro.onnx.text.TextTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a decoder export is, read once from its graph and its directory's configs
 * ({@link ModelDirectory}): the names of the inputs and outputs the graph has, the optional inputs it
 * takes, the shape of its KV cache, the widths of its logits and hidden state, its context length
 * and special tokens. Everything that runs the model ({@link ModelInputs}, {@link KvCache},
 * {@link OnnxDecoding}) asks the spec rather than testing the graph itself. Immutable; shared by
 * every pass and decoding of one model.
 *
 * <p>Export variants: merged decoders feed {@code use_cache_branch} ({@link #cacheBranchInput()});
 * an older Optimum pair runs its first pass on {@link #firstPassFile()}, which has no past inputs,
 * and its steps on {@link #modelFile()}; fp16 exports have float16 logits, hidden state and KV
 * cache ({@link #logitsType()}, {@link #kvType()}), which {@link OutputBuffers} widens to float and
 * {@link GatherGraph} gathers as they are; {@link #logitsToKeepInput()} asks for the last
 * position's logits alone; external data is read by ONNX Runtime itself, relative to the graph
 * file it opens by path, and {@link #weightFiles()} lists it so that the feature id of
 * {@link OnnxCausalLM#features()} covers every weight.
 */
final class DecoderSpec {
  static final String INPUT_IDS = "input_ids";
  static final String ATTENTION_MASK = "attention_mask";
  static final String POSITION_IDS = "position_ids";
  static final String CACHE_BRANCH = "use_cache_branch";
  static final String LOGITS = "logits";
  private static final String PAST_PREFIX = "past_key_values.";

  private static final Logger LOG = LoggerFactory.getLogger(DecoderSpec.class);

  private final ModelDirectory files;
  private final int layers;
  private final int kvHeads;
  private final int headSize;
  private final ImmutableList<String> pastNames;
  private final ImmutableList<String> presentNames;
  private final int vocabularySize;
  private final Optional<String> hiddenOutput;
  private final int hiddenWidth;
  private final Optional<String> positionIds;
  private final Optional<String> cacheBranch;
  private final Optional<String> logitsToKeep;
  private final int logitsToKeepRank;
  private final OnnxJavaType kvType;
  private final OnnxJavaType logitsType;
  private final OnnxJavaType hiddenType;

  private DecoderSpec(ModelDirectory files, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
    this.files = files;
    Path modelFile = files.modelFile();
    JsonNode config = files.config();
    checkInputs(inputs);
    if (!outputs.containsKey(LOGITS)) {
      throw new IllegalArgumentException("ONNX model " + modelFile + " has no output 'logits'; expected a causal LM "
          + "returning logits [batch, sequence, vocabulary], found outputs " + outputs.keySet());
    }
    int n = 0;
    while (inputs.containsKey(past(n, "key"))) {
      n++;
    }
    if (n == 0) {
      throw new IllegalArgumentException("ONNX model " + modelFile + " has no past_key_values.{i}.key inputs: export it "
          + "with past (Optimum 'text-generation-with-past'); found inputs " + inputs.keySet());
    }
    this.layers = n;
    List<String> pasts = new ArrayList<>();
    List<String> presents = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (String kind : List.of("key", "value")) {
        String in = past(i, kind);
        String out = "present." + i + "." + kind;
        if (!inputs.containsKey(in) || !outputs.containsKey(out)) {
          throw new IllegalArgumentException("ONNX model " + modelFile + " has " + (inputs.containsKey(in) ? "no output "
              + out : "no input " + in) + "; expected past_key_values.{i}.key/value inputs and present.{i}.key/value "
              + "outputs for every layer i < " + n);
        }
        pasts.add(in);
        presents.add(out);
      }
    }
    this.pastNames = ImmutableList.copyOf(pasts);
    this.presentNames = ImmutableList.copyOf(presents);
    this.kvType = GraphIo.sharedFloatType(inputs, pastNames, modelFile);
    if (GraphIo.sharedFloatType(outputs, presentNames, modelFile) != kvType) {
      throw new IllegalArgumentException("ONNX model " + modelFile + ": the present outputs are not " + kvType
          + " like the past inputs; expected one element type for the whole KV cache");
    }
    long[] kvShape = shape(inputs.get(past(0, "key")));
    if (kvShape.length != 4) {
      throw new IllegalArgumentException("ONNX model " + modelFile + ": " + past(0, "key") + " has rank " + kvShape.length
          + ", expected 4 ([batch, kv_heads, past, head_size])");
    }
    this.kvHeads = dimension(kvShape[1], config, "key/value heads", "num_key_value_heads", "num_attention_heads", "n_head");
    this.headSize = kvShape[3] > 0 ? (int) kvShape[3] : headSizeFromConfig(config);
    this.logitsType = GraphIo.floatType(outputs.get(LOGITS), LOGITS, modelFile);
    long[] logitsShape = shape(outputs.get(LOGITS));
    this.vocabularySize = logitsShape.length == 3 && logitsShape[2] > 0 ? (int) logitsShape[2] : config.path("vocab_size").asInt(-1);
    if (vocabularySize <= 0) {
      throw new IllegalArgumentException("cannot tell the vocabulary size of " + modelFile
          + ": the logits width is dynamic and config.json has no vocab_size");
    }
    Optional<String> hidden = OnnxCausalLM.HIDDEN_OUTPUTS.stream().filter(outputs::containsKey).findFirst();
    int width = hidden.map(h -> hiddenWidth(outputs.get(h), config)).orElse(0);
    if (hidden.isPresent() && width <= 0) {
      LOG.debug("{}: ignoring hidden-state output {}: it is not float [batch, sequence, hidden] with a known width",
          modelFile, hidden.get());
      hidden = Optional.empty();
    }
    this.hiddenOutput = hidden;
    this.hiddenWidth = hidden.isPresent() ? width : 0;
    this.hiddenType = hidden.map(h -> ((TensorInfo) outputs.get(h).getInfo()).type).orElse(OnnxJavaType.FLOAT);
    this.logitsToKeep = GraphIo.logitsToKeep(inputs);
    this.logitsToKeepRank = logitsToKeep.map(k -> GraphIo.logitsToKeepRank(inputs.get(k), modelFile)).orElse(0);
    this.positionIds = inputs.containsKey(POSITION_IDS) ? Optional.of(POSITION_IDS) : Optional.empty();
    this.cacheBranch = inputs.containsKey(CACHE_BRANCH) ? Optional.of(CACHE_BRANCH) : Optional.empty();
    int tokenizerSize = TextTokenizer.vocabularySizeOf(files.tokenizerFile());
    if (tokenizerSize > vocabularySize) {
      throw new IllegalArgumentException("tokenizer " + files.tokenizerFile() + " has " + tokenizerSize
          + " token ids but the logits of " + modelFile + " are only " + vocabularySize + " wide; expected a tokenizer"
          + " no larger than the model's vocabulary");
    }
    for (int id : files.eosIds()) {
      checkTokenId(id, "eos_token_id");
    }
    files.promptPrefix().forEach(id -> checkTokenId(id, "prompt prefix id (" + files.prefixRule() + ")"));
  }

  /**
   * The spec of the graph with {@code inputs} and {@code outputs} in {@code files}' directory.
   *
   * @throws IllegalArgumentException naming the model file and what was expected, if the graph is
   *     not a decoder with past this library can feed, a dimension can be read neither from the graph
   *     nor from config.json, or a special token or the tokenizer does not fit the vocabulary
   */
  static DecoderSpec read(ModelDirectory files, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
    return new DecoderSpec(files, inputs, outputs);
  }

  private static String past(int layer, String kind) {
    return PAST_PREFIX + layer + "." + kind;
  }

  private void checkInputs(Map<String, NodeInfo> inputs) {
    for (String required : List.of(INPUT_IDS, ATTENTION_MASK)) {
      if (!inputs.containsKey(required)) {
        throw new IllegalArgumentException("ONNX model " + files.modelFile() + " has no input '" + required
            + "'; expected a decoder with inputs input_ids, attention_mask, past_key_values.{i}.key/value, found "
            + inputs.keySet());
      }
    }
    Set<String> unknown = new TreeSet<>();
    for (String name : inputs.keySet()) {
      if (!name.equals(INPUT_IDS) && !name.equals(ATTENTION_MASK) && !name.equals(POSITION_IDS)
          && !name.equals(CACHE_BRANCH) && !name.startsWith(PAST_PREFIX) && !GraphIo.LOGITS_TO_KEEP.contains(name)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("ONNX model " + files.modelFile() + " has inputs " + unknown + " that this "
          + "library cannot feed; expected only input_ids, attention_mask, position_ids, use_cache_branch, "
          + "logits_to_keep or num_logits_to_keep, and past_key_values.*");
    }
  }

  private void checkTokenId(int id, String key) {
    if (id < 0 || id >= vocabularySize) {
      throw new IllegalArgumentException(key + " " + id + " of " + files.directory() + " is outside the model's "
          + "vocabulary [0, " + vocabularySize + ")");
    }
  }

  private static int hiddenWidth(NodeInfo info, JsonNode config) {
    if (!(info.getInfo() instanceof TensorInfo t) || (t.type != OnnxJavaType.FLOAT && t.type != OnnxJavaType.FLOAT16)) {
      return 0;
    }
    long[] s = ((TensorInfo) info.getInfo()).getShape();
    if (s.length != 3) {
      return 0;
    }
    if (s[2] > 0) {
      return (int) s[2];
    }
    for (String key : List.of("hidden_size", "n_embd", "d_model")) {
      if (config.path(key).isIntegralNumber()) {
        return config.get(key).asInt();
      }
    }
    return 0;
  }

  private int headSizeFromConfig(JsonNode config) {
    if (config.path("head_dim").isIntegralNumber()) {
      return config.get("head_dim").asInt();
    }
    int hidden = config.path("hidden_size").asInt(config.path("n_embd").asInt(0));
    int heads = config.path("num_attention_heads").asInt(config.path("n_head").asInt(0));
    if (hidden <= 0 || heads <= 0) {
      throw new IllegalArgumentException("cannot tell the head size of " + files.modelFile()
          + ": the graph's past_key_values.0.key has a dynamic last dimension and config.json has no head_dim");
    }
    return hidden / heads;
  }

  private int dimension(long fromGraph, JsonNode config, String what, String... keys) {
    if (fromGraph > 0) {
      return (int) fromGraph;
    }
    for (String key : keys) {
      if (config.path(key).isIntegralNumber()) {
        return config.get(key).asInt();
      }
    }
    throw new IllegalArgumentException("cannot tell the number of " + what + " of " + files.modelFile()
        + " from its graph or config.json (looked for " + List.of(keys) + ")");
  }

  private static long[] shape(NodeInfo info) {
    return info.getInfo() instanceof TensorInfo ? ((TensorInfo) info.getInfo()).getShape() : new long[0];
  }

  /** The model directory. */
  Path directory() {
    return files.directory();
  }

  /** The ONNX graph file. */
  Path modelFile() {
    return files.modelFile();
  }

  /** The Hugging Face tokenizer file. */
  Path tokenizerFile() {
    return files.tokenizerFile();
  }

  /**
   * Every file holding the model's graphs and weights, in a fixed order: each graph file, then its
   * external-data files ({@link ModelDirectory#weightFiles()}).
   */
  List<Path> weightFiles() {
    return files.weightFiles();
  }

  /**
   * The SHA-256 of the bytes of {@link #weightFiles()}, one after the other, as 64 lower-case hex
   * digits: the model's identity by content. Read on the first call, streaming the files (they may
   * be gigabytes), then kept; thread safe.
   *
   * @throws UncheckedIOException if a file cannot be read (the next call tries again)
   */
  String weightsSha256() {
    return files.weightsSha256();
  }

  /** The position-ids input, if the graph takes one. */
  Optional<String> positionIdsInput() {
    return positionIds;
  }

  /**
   * The graph without past inputs that runs the first pass of an older Optimum pair; empty when
   * {@link #modelFile()} runs every pass.
   */
  Optional<Path> firstPassFile() {
    return files.firstPassFile();
  }

  /** The {@code logits_to_keep} or {@code num_logits_to_keep} input, if the graph takes one. */
  Optional<String> logitsToKeepInput() {
    return logitsToKeep;
  }

  /** The rank of {@link #logitsToKeepInput()}: 0 (scalar) or 1 ({@code [1]}). */
  int logitsToKeepRank() {
    return logitsToKeepRank;
  }

  /** The element type of the past and present tensors: {@code FLOAT} or {@code FLOAT16}. */
  OnnxJavaType kvType() {
    return kvType;
  }

  /** The element type of the logits: {@code FLOAT} or {@code FLOAT16}. */
  OnnxJavaType logitsType() {
    return logitsType;
  }

  /** The element type of the hidden-state output ({@code FLOAT} or {@code FLOAT16}); FLOAT without one. */
  OnnxJavaType hiddenType() {
    return hiddenType;
  }

  /** The {@code use_cache_branch} input of a merged decoder, if the graph takes one. */
  Optional<String> cacheBranchInput() {
    return cacheBranch;
  }

  /** The number of transformer layers. */
  int layers() {
    return layers;
  }

  /** The number of key/value heads. */
  int kvHeads() {
    return kvHeads;
  }

  /** The size of one attention head. */
  int headSize() {
    return headSize;
  }

  /** The past inputs, layer by layer, key before value. */
  ImmutableList<String> pastNames() {
    return pastNames;
  }

  /** The present outputs, in the order of {@link #pastNames()}. */
  ImmutableList<String> presentNames() {
    return presentNames;
  }

  /** The width of the logits. */
  int vocabularySize() {
    return vocabularySize;
  }

  /** The hidden-state output, if the graph has a usable one. */
  Optional<String> hiddenOutput() {
    return hiddenOutput;
  }

  /** The width of the hidden state; 0 without a hidden-state output. */
  int hiddenWidth() {
    return hiddenWidth;
  }

  /** The most positions a sequence may have. */
  int contextLength() {
    return files.contextLength();
  }

  /** The end-of-sequence ids. */
  ImmutableSet<Integer> eosIds() {
    return files.eosIds();
  }

  /** The id fed for padding. */
  int padId() {
    return files.padId();
  }

  /** The special ids put before every prompt (BOS for most models that add one). */
  List<Integer> promptPrefix() {
    return files.promptPrefix();
  }

  @Override
  public String toString() {
    return files.modelFile() + firstPassFile().map(f -> " (first pass " + f.getFileName() + ")").orElse("")
        + ", layers=" + layers + ", kvHeads=" + kvHeads + ", headSize=" + headSize
        + ", vocab=" + vocabularySize + ", hidden=" + hiddenOutput.map(h -> h + "[" + hiddenWidth + "]").orElse("none")
        + ", kv=" + kvType + ", logits=" + logitsType + logitsToKeep.map(k -> ", " + k).orElse("")
        + ", context=" + contextLength() + ", prefix=" + promptPrefix() + ", eos=" + eosIds();
  }
}
