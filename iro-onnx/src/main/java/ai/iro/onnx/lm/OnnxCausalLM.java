package ai.iro.onnx.lm;

import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.runtime.Device;
import ai.iro.onnx.runtime.OnnxSession;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.iro.onnx.text.TextTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A causal language model exported to ONNX in the Hugging Face Optimum / transformers.js
 * decoder-with-past layout, run with ONNX Runtime: the {@link BaseModel} of real models.
 *
 * <p>The model directory holds {@code model.onnx} (or {@code onnx/model.onnx}, or
 * {@code decoder_model_merged.onnx}), {@code config.json}, optionally {@code generation_config.json}
 * (BOS and end-of-sequence ids, an int or a list), and {@code tokenizer.json}. The graph takes
 * {@code input_ids}, {@code attention_mask}, optionally {@code position_ids} and
 * {@code use_cache_branch} (merged graphs), and {@code past_key_values.{i}.key} / {@code .value}
 * (float32 {@code [batch, kv_heads, past, head_size]}, past length 0 for a fresh prompt); it returns
 * {@code logits}, {@code present.{i}.key} / {@code .value} and, when exported, a hidden-state output
 * ({@link #HIDDEN_OUTPUTS}), whose value at each row's last token becomes {@link Decoding#features()}.
 * The number of layers, key/value heads and the head size are read from the graph, never assumed.
 *
 * <p>Prompts start with the BOS token when the config names a {@code bos_token_id} (models trained
 * with a BOS token before every text need it); {@link Builder#prependBos} overrides that.
 *
 * <pre>{@code
 * try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(Path.of("models/kjv-tiny")).build();
 *      Decoding d = lm.open(List.of("And God said"), Sampling.defaults(), 42L)) {
 *   d.reorder(new int[] {0, 0, 0, 0});   // four samples share the prompt's KV cache
 *   d.extend(32);
 *   System.out.println(d.responseText(0));
 * }
 * }</pre>
 *
 * <p>Decoding keeps the KV cache in ONNX Runtime's memory between steps and chunks, batches prompts
 * of different lengths with left padding, makes one native run per step for the whole batch, gathers
 * cache rows natively on fork and reorder (never re-encoding a prefix), drops finished rows from the
 * batch once they are more than a quarter of it, and samples with top-k by
 * partial selection into buffers allocated once per decoding.
 *
 * <p>Thread safety: one instance may open and run decodings from several threads at once (ONNX
 * Runtime sessions and the tokenizer are thread safe); each {@link Decoding} is used by one thread.
 * Close the model after its decodings; closing is idempotent, and any other use after close throws
 * {@link IllegalStateException}.
 */
public final class OnnxCausalLM implements BaseModel, AutoCloseable {
  /** Model file names tried in order inside the model directory. */
  public static final List<String> MODEL_FILES = List.of("model.onnx", "onnx/model.onnx", "decoder_model_merged.onnx");
  /** Output names tried, in order, for the last hidden state. */
  public static final List<String> HIDDEN_OUTPUTS = List.of("last_hidden_state", "hidden_states", "last_hidden_states");
  /** Config keys tried, in order, for the context length. */
  public static final List<String> CONTEXT_KEYS = List.of("max_position_embeddings", "n_positions", "n_ctx", "max_sequence_length");

  private static final Logger LOG = LoggerFactory.getLogger(OnnxCausalLM.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INPUT_IDS = "input_ids";
  private static final String ATTENTION_MASK = "attention_mask";
  private static final String POSITION_IDS = "position_ids";
  private static final String CACHE_BRANCH = "use_cache_branch";
  private static final String LOGITS = "logits";

  private final Path directory;
  private final Path modelFile;
  private final Device device;
  private final int intraOpThreads;
  private final OnnxSession session;
  private final OnnxSession gatherSession;
  private final TextTokenizer tokenizer;
  private final BufferPool pool = new BufferPool();
  private final int layers;
  private final int kvHeads;
  private final int headSize;
  private final int vocabularySize;
  private final int hiddenWidth;
  private final Optional<String> hiddenOutput;
  private final ImmutableList<String> pastNames;
  private final ImmutableList<String> presentNames;
  private final boolean hasPositionIds;
  private final boolean hasCacheBranch;
  private final int contextLength;
  private final ImmutableSet<Integer> eosIds;
  private final int padId;
  private final Optional<Integer> bosId;
  private volatile boolean closed;

  private OnnxCausalLM(Builder b) {
    this.directory = b.directory;
    this.device = b.device;
    this.intraOpThreads = b.intraOpThreads;
    this.modelFile = findModel(b.directory);
    JsonNode config = readJson(b.directory.resolve("config.json"), true);
    JsonNode generation = readJson(b.directory.resolve("generation_config.json"), false);
    Path tokenizerFile = b.directory.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new IllegalArgumentException("tokenizer file " + tokenizerFile
          + " is missing (expected a Hugging Face tokenizer.json in the model directory)");
    }
    this.contextLength = contextLength(config);
    this.eosIds = ImmutableSet.copyOf(ids(first(generation, config, "eos_token_id")));
    JsonNode bos = first(generation, config, "bos_token_id");
    boolean hasBos = bos != null && bos.canConvertToInt() && bos.isIntegralNumber();
    boolean prepend = b.prependBos.orElse(hasBos);
    if (prepend && !hasBos) {
      throw new IllegalArgumentException("prependBos(true) was asked, but neither " + b.directory.resolve("config.json")
          + " nor generation_config.json has an integer bos_token_id");
    }
    this.bosId = prepend ? Optional.of(bos.asInt()) : Optional.empty();
    JsonNode pad = first(config, generation, "pad_token_id");
    this.padId = pad != null && pad.isIntegralNumber() ? pad.asInt() : eosIds.isEmpty() ? 0 : eosIds.iterator().next();

    this.session = OrtRuntime.open(modelFile, b.device, b.intraOpThreads);
    OnnxSession gather = null;
    TextTokenizer tok = null;
    try {
      Map<String, NodeInfo> inputs = session.session().getInputInfo();
      Map<String, NodeInfo> outputs = session.session().getOutputInfo();
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
      this.kvHeads = dimension(kvShape[1], config, modelFile, "key/value heads", "num_key_value_heads", "num_attention_heads", "n_head");
      this.headSize = kvShape[3] > 0 ? (int) kvShape[3] : headSizeFromConfig(config);
      checkFloat(outputs.get(LOGITS), LOGITS);
      long[] logitsShape = shape(outputs.get(LOGITS));
      this.vocabularySize = logitsShape.length == 3 && logitsShape[2] > 0 ? (int) logitsShape[2] : config.path("vocab_size").asInt(-1);
      if (vocabularySize <= 0) {
        throw new IllegalArgumentException("cannot tell the vocabulary size of " + modelFile
            + ": the logits width is dynamic and config.json has no vocab_size");
      }
      Optional<String> hidden = HIDDEN_OUTPUTS.stream().filter(outputs::containsKey).findFirst();
      int width = hidden.map(h -> hiddenWidth(outputs.get(h), config)).orElse(0);
      if (hidden.isPresent() && width <= 0) {
        LOG.debug("{}: ignoring hidden-state output {}: it is not float32 [batch, sequence, hidden] with a known width",
            modelFile, hidden.get());
        hidden = Optional.empty();
      }
      this.hiddenOutput = hidden;
      this.hiddenWidth = hidden.isPresent() ? width : 0;
      this.hasPositionIds = inputs.containsKey(POSITION_IDS);
      this.hasCacheBranch = inputs.containsKey(CACHE_BRANCH);
      int tokenizerSize = TextTokenizer.vocabularySizeOf(tokenizerFile);
      if (tokenizerSize > vocabularySize) {
        throw new IllegalArgumentException("tokenizer " + tokenizerFile + " has " + tokenizerSize
            + " token ids but the logits of " + modelFile + " are only " + vocabularySize + " wide; expected a tokenizer"
            + " no larger than the model's vocabulary");
      }
      for (int id : eosIds) {
        checkTokenId(id, "eos_token_id");
      }
      bosId.ifPresent(id -> checkTokenId(id, "bos_token_id"));
      // One thread: a gather is a small memory copy, and a second session's own worker threads
      // spin after each run and take cores from the model's session (measured: with 2 threads on 2
      // cores, chunk-level search spent about 20 % more time in the model than Best-of-N).
      gather = OrtRuntime.open(GatherGraph.build(2 * layers), "the KV-cache gather graph of " + modelFile, b.device, 1);
      tok = TextTokenizer.load(tokenizerFile);
      this.gatherSession = gather;
      this.tokenizer = tok;
    } catch (OrtException e) {
      closeAll(tok, gather, session);
      throw new IllegalArgumentException("cannot read the graph of " + modelFile + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeAll(tok, gather, session);
      throw e;
    }
    LOG.debug("loaded {}", this);
  }

  /** Returns a builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads the model in {@code directory} on the CPU with default settings.
   *
   * @throws IllegalArgumentException if the directory or a file in it is missing or wrong
   */
  public static OnnxCausalLM load(Path directory) {
    return builder().modelDirectory(directory).build();
  }

  /** Returns a builder holding this model's settings. */
  public Builder toBuilder() {
    Builder b = new Builder().modelDirectory(directory).device(device).intraOpThreads(intraOpThreads);
    return b.prependBos(bosId.isPresent());
  }

  private static String past(int layer, String kind) {
    return "past_key_values." + layer + "." + kind;
  }

  private void checkInputs(Map<String, NodeInfo> inputs) {
    for (String required : List.of(INPUT_IDS, ATTENTION_MASK)) {
      if (!inputs.containsKey(required)) {
        throw new IllegalArgumentException("ONNX model " + modelFile + " has no input '" + required
            + "'; expected a decoder with inputs input_ids, attention_mask, past_key_values.{i}.key/value, found "
            + inputs.keySet());
      }
    }
    Set<String> unknown = new TreeSet<>();
    for (String name : inputs.keySet()) {
      if (!name.equals(INPUT_IDS) && !name.equals(ATTENTION_MASK) && !name.equals(POSITION_IDS)
          && !name.equals(CACHE_BRANCH) && !name.startsWith("past_key_values.")) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("ONNX model " + modelFile + " has inputs " + unknown + " that this library "
          + "cannot feed; expected only input_ids, attention_mask, position_ids, use_cache_branch and past_key_values.*");
    }
  }

  private void checkFloat(NodeInfo info, String name) {
    if (!(info.getInfo() instanceof TensorInfo) || ((TensorInfo) info.getInfo()).type != OnnxJavaType.FLOAT) {
      throw new IllegalArgumentException("ONNX model " + modelFile + ": " + name + " is " + info.getInfo()
          + ", expected a float32 tensor");
    }
  }

  private void checkTokenId(int id, String key) {
    if (id < 0 || id >= vocabularySize) {
      throw new IllegalArgumentException(key + " " + id + " of " + directory + " is outside the model's vocabulary [0, "
          + vocabularySize + ")");
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
      throw new IllegalArgumentException("cannot tell the head size of " + modelFile
          + ": the graph's past_key_values.0.key has a dynamic last dimension and config.json has no head_dim");
    }
    return hidden / heads;
  }

  private static int dimension(long fromGraph, JsonNode config, Path file, String what, String... keys) {
    if (fromGraph > 0) {
      return (int) fromGraph;
    }
    for (String key : keys) {
      if (config.path(key).isIntegralNumber()) {
        return config.get(key).asInt();
      }
    }
    throw new IllegalArgumentException("cannot tell the number of " + what + " of " + file
        + " from its graph or config.json (looked for " + List.of(keys) + ")");
  }

  private static int contextLength(JsonNode config) {
    for (String key : CONTEXT_KEYS) {
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

  private static Path findModel(Path directory) {
    if (!Files.isDirectory(directory)) {
      throw new IllegalArgumentException("model directory " + directory + " does not exist");
    }
    for (String name : MODEL_FILES) {
      Path p = directory.resolve(name);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new IllegalArgumentException("model directory " + directory + " has no ONNX model; expected one of " + MODEL_FILES);
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

  private static long[] shape(NodeInfo info) {
    return info.getInfo() instanceof TensorInfo ? ((TensorInfo) info.getInfo()).getShape() : new long[0];
  }

  private static void closeAll(AutoCloseable... closeables) {
    for (AutoCloseable c : closeables) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception ignored) {
          // Already failing; the first error is the one to report.
        }
      }
    }
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("model " + directory + " is closed");
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Every prompt must leave room for at least one new token in the model's context.
   */
  @Override
  public Decoding open(List<String> prompts, Sampling sampling, long seed) {
    checkOpen();
    Objects.requireNonNull(prompts, "prompts");
    Objects.requireNonNull(sampling, "sampling");
    Preconditions.checkArgument(!prompts.isEmpty(), "prompts must not be empty");
    int[][] encoded = new int[prompts.size()][];
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = encodePrompt(Objects.requireNonNull(prompts.get(i), "prompt " + i));
      if (encoded[i].length >= contextLength) {
        throw new IllegalArgumentException("prompt " + i + " has " + encoded[i].length + " tokens; the context of "
            + directory + " is " + contextLength + " tokens and a response needs at least one more");
      }
      if (encoded[i].length == 0) {
        throw new IllegalArgumentException("prompt " + i + " is empty and the model prepends no BOS token to start from");
      }
    }
    return new OnnxDecoding(this, prompts, encoded, sampling, seed);
  }

  /**
   * The prompt's token ids as fed to the model: BOS first when {@link #prependsBos()}, then the
   * tokenizer's ids without other special tokens.
   */
  public int[] encodePrompt(String prompt) {
    checkOpen();
    int[] ids = tokenizer.encode(prompt);
    if (bosId.isEmpty()) {
      return ids;
    }
    int[] out = new int[ids.length + 1];
    out[0] = bosId.get();
    System.arraycopy(ids, 0, out, 1, ids.length);
    return out;
  }

  /** The tokenizer's ids of {@code text}, without BOS or any other special token. */
  public int[] encode(String text) {
    checkOpen();
    return tokenizer.encode(text);
  }

  /** {@inheritDoc} Special tokens are skipped. */
  @Override
  public String decode(int[] tokens) {
    checkOpen();
    return tokenizer.decode(tokens);
  }

  /**
   * The last hidden state of every prefix state of a response, from one forward pass: row 0 is the
   * state after the prompt, row j the state after the first j response tokens. For value-function
   * training: a response's prefix states and their features in one call.
   *
   * @return {@code responseTokens.length + 1} rows of {@code hiddenSize()} features
   * @throws UnsupportedOperationException if the graph has no hidden-state output
   * @throws IllegalArgumentException if prompt and response exceed the context
   */
  public float[][] prefixFeatures(String prompt, int[] responseTokens) {
    Objects.requireNonNull(responseTokens, "responseTokens");
    String out = hiddenOutput.orElseThrow(() -> new UnsupportedOperationException("ONNX model " + modelFile
        + " has no hidden-state output (one of " + HIDDEN_OUTPUTS + "); use a text encoder for value features"));
    int[] p = encodePrompt(prompt);
    Preconditions.checkArgument(p.length > 0, "the prompt is empty and the model prepends no BOS token");
    int[] ids = new int[p.length + responseTokens.length];
    System.arraycopy(p, 0, ids, 0, p.length);
    System.arraycopy(responseTokens, 0, ids, p.length, responseTokens.length);
    float[][] all = fullForward(ids, out, hiddenWidth);
    float[][] rows = new float[responseTokens.length + 1][];
    for (int j = 0; j < rows.length; j++) {
      rows[j] = all[p.length - 1 + j];
    }
    return rows;
  }

  /**
   * The logits at every position of {@code inputIds} (fed as they are, no BOS added), by one full
   * forward pass without a cache: the naive reference that cached decoding is tested against.
   *
   * @return {@code inputIds.length} rows of {@link #vocabularySize()} logits
   */
  public float[][] logits(int[] inputIds) {
    return fullForward(Objects.requireNonNull(inputIds, "inputIds"), LOGITS, vocabularySize);
  }

  private float[][] fullForward(int[] ids, String output, int width) {
    checkOpen();
    Preconditions.checkArgument(ids.length > 0 && ids.length <= contextLength,
        "sequence length must be in [1, %s], found %s", contextLength, ids.length);
    for (int id : ids) {
      Preconditions.checkArgument(id >= 0 && id < vocabularySize, "token id %s is outside [0, %s)", id, vocabularySize);
    }
    OrtEnvironment env = OrtRuntime.environment();
    Map<String, OnnxTensorLike> feed = new HashMap<>();
    List<OnnxTensor> owned = new ArrayList<>();
    try {
      long[] idArr = new long[ids.length];
      long[] mask = new long[ids.length];
      long[] pos = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        idArr[i] = ids[i];
        mask[i] = 1;
        pos[i] = i;
      }
      long[] shape = {1, ids.length};
      feed.put(INPUT_IDS, own(owned, OnnxTensor.createTensor(env, LongBuffer.wrap(idArr), shape)));
      feed.put(ATTENTION_MASK, own(owned, OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape)));
      if (hasPositionIds) {
        feed.put(POSITION_IDS, own(owned, OnnxTensor.createTensor(env, LongBuffer.wrap(pos), shape)));
      }
      if (hasCacheBranch) {
        feed.put(CACHE_BRANCH, own(owned, OnnxTensor.createTensor(env, new boolean[] {false})));
      }
      KvCache.feedEmpty(env, pastNames, kvHeads, headSize, feed, 1, owned);
      try (OrtSession.Result r = session.session().run(feed, Set.of(output))) {
        FloatBuffer flat = ((OnnxTensor) r.get(output).orElseThrow()).getFloatBuffer();
        float[][] rows = new float[ids.length][width];
        for (int i = 0; i < ids.length; i++) {
          flat.get(i * width, rows[i], 0, width);
        }
        return rows;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on " + modelFile + ": " + e.getMessage(), e);
    } finally {
      owned.forEach(OnnxTensor::close);
    }
  }

  private static OnnxTensor own(List<OnnxTensor> owned, OnnxTensor t) {
    owned.add(t);
    return t;
  }

  KvCache newCache() {
    return new KvCache(OrtRuntime.environment(), gatherSession, pool, pastNames, presentNames, kvHeads, headSize);
  }

  OrtSession session() {
    checkOpen();
    return session.session();
  }

  BufferPool pool() {
    return pool;
  }

  List<String> presentNames() {
    return presentNames;
  }

  boolean hasPositionIds() {
    return hasPositionIds;
  }

  boolean hasCacheBranch() {
    return hasCacheBranch;
  }

  int hiddenWidth() {
    return hiddenWidth;
  }

  /** The model directory. */
  public Path directory() {
    return directory;
  }

  /** The ONNX file in use. */
  public Path modelFile() {
    return modelFile;
  }

  /** The device the session runs on. */
  public Device device() {
    return device;
  }

  /** ONNX Runtime's threads per operator. */
  public int intraOpThreads() {
    return intraOpThreads;
  }

  /** The tokenizer, owned by this model (closed with it). */
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  /** The number of transformer layers, read from the graph's past inputs. */
  public int layers() {
    return layers;
  }

  /** The number of key/value heads, read from the graph (fewer than query heads with grouped-query attention). */
  public int keyValueHeads() {
    return kvHeads;
  }

  /** The size of one attention head, read from the graph. */
  public int headSize() {
    return headSize;
  }

  /** The width of the logits: the number of token ids the model scores. */
  public int vocabularySize() {
    return vocabularySize;
  }

  /** The width of the hidden state, if the graph exports it. */
  public Optional<Integer> hiddenSize() {
    return hiddenOutput.isPresent() ? Optional.of(hiddenWidth) : Optional.empty();
  }

  /** The name of the hidden-state output, if any. */
  public Optional<String> hiddenOutput() {
    return hiddenOutput;
  }

  /** The most positions a sequence may have ({@link Integer#MAX_VALUE} when config.json names none). */
  public int contextLength() {
    return contextLength;
  }

  /** The end-of-sequence token ids (empty when the configs name none: rows then end by length or stop string). */
  public Set<Integer> eosTokenIds() {
    return eosIds;
  }

  /** The id fed for padding. */
  public int padTokenId() {
    return padId;
  }

  /** The BOS id put before every prompt, if any. */
  public Optional<Integer> bosTokenId() {
    return bosId;
  }

  /** Whether prompts start with the BOS token. */
  public boolean prependsBos() {
    return bosId.isPresent();
  }

  /** Whether {@link #close} was called. */
  public boolean isClosed() {
    return closed;
  }

  /** Frees the sessions and the tokenizer. Idempotent; decodings of this model must be closed first. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      tokenizer.close();
      gatherSession.close();
    } finally {
      session.close();
      pool.clear();
    }
  }

  @Override
  public String toString() {
    return "OnnxCausalLM{" + modelFile + ", layers=" + layers + ", kvHeads=" + kvHeads + ", headSize=" + headSize
        + ", vocab=" + vocabularySize + ", hidden=" + hiddenOutput.map(h -> h + "[" + hiddenWidth + "]").orElse("none")
        + ", context=" + contextLength + ", bos=" + bosId.map(String::valueOf).orElse("none") + ", eos=" + eosIds
        + ", device=" + device + "}";
  }

  /**
   * Builder of {@link OnnxCausalLM}; {@link #build()} loads the model. Setters validate their
   * argument.
   */
  public static final class Builder {
    /** Default: the number of available processors. */
    public static final int DEFAULT_INTRA_OP_THREADS = Runtime.getRuntime().availableProcessors();

    private Path directory;
    private Device device = Device.cpu();
    private int intraOpThreads = DEFAULT_INTRA_OP_THREADS;
    private Optional<Boolean> prependBos = Optional.empty();

    private Builder() {}

    /** Sets the model directory. Required. */
    public Builder modelDirectory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /** Sets the device. Default: {@link Device#cpu()}. */
    public Builder device(Device device) {
      this.device = Objects.requireNonNull(device, "device");
      return this;
    }

    /** Sets ONNX Runtime's threads per operator, at least 1. Default: {@link #DEFAULT_INTRA_OP_THREADS}. */
    public Builder intraOpThreads(int threads) {
      Preconditions.checkArgument(threads >= 1, "intraOpThreads must be at least 1, found %s", threads);
      this.intraOpThreads = threads;
      return this;
    }

    /**
     * Sets whether prompts start with the BOS token. Default: true when generation_config.json or
     * config.json has a {@code bos_token_id}.
     */
    public Builder prependBos(boolean prepend) {
      this.prependBos = Optional.of(prepend);
      return this;
    }

    /**
     * Loads the model.
     *
     * @throws IllegalStateException if no model directory was set, or the device cannot be used (the
     *     message names the provider, the device and what is missing)
     * @throws IllegalArgumentException if the directory or a file in it is missing or wrong (the
     *     message names the file and what was expected)
     */
    public OnnxCausalLM build() {
      Preconditions.checkState(directory != null, "modelDirectory is required");
      return new OnnxCausalLM(this);
    }
  }
}
