package ai.iro.onnx.lm;

import ai.iro.onnx.text.TextTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import com.google.common.hash.Hashing;
import com.google.common.io.ByteSource;
import com.google.common.io.MoreFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
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
 * {@link OnnxDecoding}) asks the spec rather than testing the graph itself. Immutable (the content
 * hash of {@link #weightsSha256()} is computed once, when first asked for); shared by every pass and
 * decoding of one model.
 *
 * <p>Export variants, and where each belongs (merged decoders and external data are handled, the
 * others not yet):
 *
 * <ul>
 *   <li>Merged decoders with a {@code use_cache_branch} input: read here already
 *       ({@link #cacheBranchInput()}); {@link ModelInputs} feeds it whether the pass has a past.
 *   <li>The older pair {@code decoder_model.onnx} (no past inputs) and
 *       {@code decoder_with_past_model.onnx}: the spec would name the graph file of each pass and
 *       list both in {@link #weightFiles()}; {@link DecoderRuntime#run} already receives the pass
 *       ({@link ModelInputs#withPast()}) and would pick the session by it, and {@link ModelInputs}
 *       would feed no empty past to a graph without past inputs. The decoding loop is unchanged.
 *   <li>fp16 KV caches: the past/present element type becomes a field here instead of the float32
 *       check of {@code checkFloat}; the empty past of {@link ModelInputs} and the element type of
 *       {@link GatherGraph} read it. {@link KvCache} only moves tensors and needs nothing.
 *   <li>External data ({@code model.onnx_data} next to the graph): ONNX Runtime loads it itself,
 *       relative to the graph file it opens by path; {@link #weightFiles()} lists it after the
 *       graph, so that the feature id of {@link OnnxCausalLM#features()} covers every weight.
 * </ul>
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
  private final Supplier<String> weightsSha256 = Suppliers.memoize(this::hashWeightFiles);

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
        checkFloat(inputs.get(in), in);
        checkFloat(outputs.get(out), out);
        pasts.add(in);
        presents.add(out);
      }
    }
    this.pastNames = ImmutableList.copyOf(pasts);
    this.presentNames = ImmutableList.copyOf(presents);
    long[] kvShape = shape(inputs.get(past(0, "key")));
    if (kvShape.length != 4) {
      throw new IllegalArgumentException("ONNX model " + modelFile + ": " + past(0, "key") + " has rank " + kvShape.length
          + ", expected 4 ([batch, kv_heads, past, head_size])");
    }
    this.kvHeads = dimension(kvShape[1], config, "key/value heads", "num_key_value_heads", "num_attention_heads", "n_head");
    this.headSize = kvShape[3] > 0 ? (int) kvShape[3] : headSizeFromConfig(config);
    checkFloat(outputs.get(LOGITS), LOGITS);
    long[] logitsShape = shape(outputs.get(LOGITS));
    this.vocabularySize = logitsShape.length == 3 && logitsShape[2] > 0 ? (int) logitsShape[2] : config.path("vocab_size").asInt(-1);
    if (vocabularySize <= 0) {
      throw new IllegalArgumentException("cannot tell the vocabulary size of " + modelFile
          + ": the logits width is dynamic and config.json has no vocab_size");
    }
    Optional<String> hidden = OnnxCausalLM.HIDDEN_OUTPUTS.stream().filter(outputs::containsKey).findFirst();
    int width = hidden.map(h -> hiddenWidth(outputs.get(h), config)).orElse(0);
    if (hidden.isPresent() && width <= 0) {
      LOG.debug("{}: ignoring hidden-state output {}: it is not float32 [batch, sequence, hidden] with a known width",
          modelFile, hidden.get());
      hidden = Optional.empty();
    }
    this.hiddenOutput = hidden;
    this.hiddenWidth = hidden.isPresent() ? width : 0;
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
          && !name.equals(CACHE_BRANCH) && !name.startsWith(PAST_PREFIX)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("ONNX model " + files.modelFile() + " has inputs " + unknown + " that this "
          + "library cannot feed; expected only input_ids, attention_mask, position_ids, use_cache_branch and "
          + "past_key_values.*");
    }
  }

  private void checkFloat(NodeInfo info, String name) {
    if (!(info.getInfo() instanceof TensorInfo) || ((TensorInfo) info.getInfo()).type != OnnxJavaType.FLOAT) {
      throw new IllegalArgumentException("ONNX model " + files.modelFile() + ": " + name + " is " + info.getInfo()
          + ", expected a float32 tensor");
    }
  }

  private void checkTokenId(int id, String key) {
    if (id < 0 || id >= vocabularySize) {
      throw new IllegalArgumentException(key + " " + id + " of " + files.directory() + " is outside the model's "
          + "vocabulary [0, " + vocabularySize + ")");
    }
  }

  private static int hiddenWidth(NodeInfo info, JsonNode config) {
    if (!(info.getInfo() instanceof TensorInfo) || ((TensorInfo) info.getInfo()).type != OnnxJavaType.FLOAT) {
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
   * Every file holding the model's graph and weights, in a fixed order: the graph file, then its
   * external-data files ({@link ModelDirectory#externalDataFiles()}).
   */
  List<Path> weightFiles() {
    return ImmutableList.<Path>builder().add(files.modelFile()).addAll(files.externalDataFiles()).build();
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

  /** The position-ids input, if the graph takes one. */
  Optional<String> positionIdsInput() {
    return positionIds;
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
    return files.modelFile() + ", layers=" + layers + ", kvHeads=" + kvHeads + ", headSize=" + headSize
        + ", vocab=" + vocabularySize + ", hidden=" + hiddenOutput.map(h -> h + "[" + hiddenWidth + "]").orElse("none")
        + ", context=" + contextLength() + ", prefix=" + promptPrefix() + ", eos=" + eosIds();
  }
}
