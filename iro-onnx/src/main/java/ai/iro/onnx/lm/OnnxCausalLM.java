package ai.iro.onnx.lm;

import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.runtime.Device;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.iro.onnx.text.TextTokenizer;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

/**
 * A causal language model exported to ONNX in the Hugging Face Optimum / transformers.js
 * decoder-with-past layout, run with ONNX Runtime: the {@link BaseModel} of real models.
 *
 * <p>The model directory holds {@code model.onnx} (or {@code onnx/model.onnx}, or
 * {@code decoder_model_merged.onnx}), {@code config.json}, {@code generation_config.json} (end of
 * sequence ids) and {@code tokenizer.json}. The graph takes {@code input_ids},
 * {@code attention_mask}, optionally {@code position_ids}, and {@code past_key_values.{i}.key} /
 * {@code .value}; it returns {@code logits}, {@code present.{i}.key} / {@code .value} and, when
 * exported, {@code last_hidden_state}, which becomes the per-row feature of value functions. The
 * number of layers, key/value heads and head size are read from the graph.
 *
 * <pre>{@code
 * try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(Path.of("models/kjv-tiny")).build();
 *      Decoding d = lm.open(List.of("And God said"), Sampling.defaults(), 42L)) {
 *   d.extend(32);
 *   System.out.println(d.responseText(0));
 * }
 * }</pre>
 *
 * <p>Thread safety: one instance may open decodings from several threads at once (ONNX Runtime
 * sessions are thread safe); each {@link Decoding} is used by one thread. Close the model after its
 * decodings; closing is idempotent.
 */
public final class OnnxCausalLM implements BaseModel, AutoCloseable {
  /** Model file names tried in order inside the model directory. */
  public static final List<String> MODEL_FILES = List.of("model.onnx", "onnx/model.onnx", "decoder_model_merged.onnx");
  /** Output names tried, in order, for the last hidden state. */
  public static final List<String> HIDDEN_OUTPUTS = List.of("last_hidden_state", "hidden_states", "last_hidden_states");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path directory;
  private final Path modelFile;
  private final OrtSession session;
  private final TextTokenizer tokenizer;
  private final int layers;
  private final int kvHeads;
  private final int headSize;
  private final int vocabularySize;
  private final int hiddenSize;
  private final Optional<String> hiddenOutput;
  private final boolean hasPositionIds;
  private final boolean hasCacheBranch;
  private final int contextLength;
  private final ImmutableSet<Integer> eosIds;
  private final int padId;
  private final Optional<Integer> bosId;
  private final Device device;
  private volatile boolean closed;

  private OnnxCausalLM(Builder b) {
    this.directory = b.directory;
    this.device = b.device;
    this.modelFile = findModel(b.directory);
    JsonNode config = readJson(b.directory.resolve("config.json"), true);
    JsonNode generation = readJson(b.directory.resolve("generation_config.json"), false);
    Path tokenizerFile = b.directory.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new IllegalArgumentException("tokenizer file " + tokenizerFile + " is missing (expected a Hugging Face tokenizer.json in the model directory)");
    }
    this.session = OrtRuntime.open(modelFile, b.device, b.intraOpThreads);
    TextTokenizer tok = null;
    try {
      Map<String, NodeInfo> inputs = session.getInputInfo();
      Map<String, NodeInfo> outputs = session.getOutputInfo();
      for (String required : List.of("input_ids", "attention_mask")) {
        if (!inputs.containsKey(required)) {
          throw new IllegalArgumentException("ONNX model " + modelFile + " has no input '" + required
              + "'; expected a decoder with inputs input_ids, attention_mask, past_key_values.{i}.key/value, found " + inputs.keySet());
        }
      }
      if (!outputs.containsKey("logits")) {
        throw new IllegalArgumentException("ONNX model " + modelFile + " has no output 'logits'; found outputs " + outputs.keySet());
      }
      int n = 0;
      while (inputs.containsKey("past_key_values." + n + ".key")) {
        n++;
      }
      if (n == 0) {
        throw new IllegalArgumentException("ONNX model " + modelFile + " has no past_key_values.{i}.key inputs: export it "
            + "with past (Optimum 'text-generation-with-past'); found inputs " + inputs.keySet());
      }
      this.layers = n;
      long[] kvShape = shape(inputs.get("past_key_values.0.key"));
      this.kvHeads = dim(kvShape, 1, config, "num_key_value_heads", "num_attention_heads", modelFile);
      this.headSize = kvShape.length == 4 && kvShape[3] > 0 ? (int) kvShape[3]
          : config.has("head_dim") ? config.get("head_dim").asInt()
          : config.path("hidden_size").asInt() / Math.max(1, config.path("num_attention_heads").asInt());
      long[] logitsShape = shape(outputs.get("logits"));
      this.vocabularySize = logitsShape.length == 3 && logitsShape[2] > 0 ? (int) logitsShape[2]
          : config.path("vocab_size").asInt(-1);
      if (vocabularySize <= 0) {
        throw new IllegalArgumentException("cannot tell the vocabulary size of " + modelFile + ": the logits width is dynamic and config.json has no vocab_size");
      }
      this.hiddenOutput = HIDDEN_OUTPUTS.stream().filter(outputs::containsKey).findFirst();
      this.hiddenSize = hiddenOutput.map(h -> {
        long[] s = shape(outputs.get(h));
        return s.length == 3 && s[2] > 0 ? (int) s[2] : config.path("hidden_size").asInt();
      }).orElse(0);
      this.hasPositionIds = inputs.containsKey("position_ids");
      this.hasCacheBranch = inputs.containsKey("use_cache_branch");
      this.contextLength = config.has("max_position_embeddings") ? config.get("max_position_embeddings").asInt()
          : config.has("n_positions") ? config.get("n_positions").asInt() : Integer.MAX_VALUE;
      this.eosIds = ImmutableSet.copyOf(ids(generation.has("eos_token_id") ? generation.get("eos_token_id") : config.get("eos_token_id")));
      JsonNode bos = generation.has("bos_token_id") ? generation.get("bos_token_id") : config.get("bos_token_id");
      boolean prepend = b.prependBos.orElse(bos != null && bos.isInt());
      this.bosId = prepend && bos != null && bos.isInt() ? Optional.of(bos.asInt()) : Optional.empty();
      JsonNode pad = config.has("pad_token_id") && !config.get("pad_token_id").isNull() ? config.get("pad_token_id")
          : generation.get("pad_token_id");
      this.padId = pad != null && pad.isInt() ? pad.asInt() : eosIds.isEmpty() ? 0 : eosIds.iterator().next();
      int tokenizerSize = TextTokenizer.vocabularySizeOf(tokenizerFile);
      if (tokenizerSize > vocabularySize) {
        throw new IllegalArgumentException("tokenizer " + tokenizerFile + " has " + tokenizerSize
            + " token ids but the logits of " + modelFile + " are only " + vocabularySize + " wide");
      }
      tok = TextTokenizer.load(tokenizerFile);
      this.tokenizer = tok;
    } catch (OrtException e) {
      closeQuietly(tok);
      closeQuietly(session);
      throw new IllegalArgumentException("cannot read the graph of " + modelFile + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(tok);
      closeQuietly(session);
      throw e;
    }
  }

  /** Returns a builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Loads the model in {@code directory} on the CPU with default settings. */
  public static OnnxCausalLM load(Path directory) {
    return builder().modelDirectory(directory).build();
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
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static List<Integer> ids(JsonNode node) {
    List<Integer> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (node.isArray()) {
      node.forEach(x -> out.add(x.asInt()));
    } else {
      out.add(node.asInt());
    }
    return out;
  }

  private static long[] shape(NodeInfo info) {
    return info.getInfo() instanceof TensorInfo ? ((TensorInfo) info.getInfo()).getShape() : new long[0];
  }

  private static int dim(long[] shape, int i, JsonNode config, String key, String fallback, Path file) {
    if (shape.length > i && shape[i] > 0) {
      return (int) shape[i];
    }
    if (config.has(key)) {
      return config.get(key).asInt();
    }
    if (config.has(fallback)) {
      return config.get(fallback).asInt();
    }
    throw new IllegalArgumentException("cannot tell " + key + " of " + file + " from its graph or config.json");
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // Already failing; the first error is the one to report.
      }
    }
  }

  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("model " + directory + " is closed");
    }
  }

  @Override
  public Decoding open(List<String> prompts, Sampling sampling, long seed) {
    checkOpen();
    Preconditions.checkArgument(!prompts.isEmpty(), "prompts must not be empty");
    Objects.requireNonNull(sampling, "sampling");
    int[][] encoded = new int[prompts.size()][];
    for (int i = 0; i < encoded.length; i++) {
      encoded[i] = encodePrompt(Objects.requireNonNull(prompts.get(i), "prompt " + i));
      if (encoded[i].length >= contextLength) {
        throw new IllegalArgumentException("prompt " + i + " has " + encoded[i].length + " tokens; the context of "
            + directory + " is " + contextLength + " tokens and a response needs at least one");
      }
      if (encoded[i].length == 0) {
        throw new IllegalArgumentException("prompt " + i + " is empty and the model has no BOS token to start from");
      }
    }
    return new OnnxDecoding(this, prompts, encoded, sampling, seed);
  }

  /** The prompt's token ids as fed to the model (BOS first when {@link #prependsBos()}). */
  public int[] encodePrompt(String prompt) {
    int[] ids = tokenizer.encode(prompt);
    if (bosId.isEmpty()) {
      return ids;
    }
    int[] out = new int[ids.length + 1];
    out[0] = bosId.get();
    System.arraycopy(ids, 0, out, 1, ids.length);
    return out;
  }

  @Override
  public String decode(int[] tokens) {
    checkOpen();
    return tokenizer.decode(tokens);
  }

  /**
   * The last hidden state of every prefix state of a response, from one forward pass: row 0 is the
   * state after the prompt, row j the state after the first j response tokens.
   *
   * @return {@code responseTokens.length + 1} rows of {@link #hiddenSize()} features
   * @throws UnsupportedOperationException if the graph has no hidden-state output
   */
  public float[][] prefixFeatures(String prompt, int[] responseTokens) {
    String out = hiddenOutput.orElseThrow(() -> new UnsupportedOperationException("ONNX model " + modelFile
        + " has no hidden-state output (one of " + HIDDEN_OUTPUTS + "); use a text encoder for value features"));
    int[] p = encodePrompt(prompt);
    int[] ids = new int[p.length + responseTokens.length];
    System.arraycopy(p, 0, ids, 0, p.length);
    System.arraycopy(responseTokens, 0, ids, p.length, responseTokens.length);
    float[][] all = fullForward(ids, out);
    float[][] rows = new float[responseTokens.length + 1][];
    for (int j = 0; j < rows.length; j++) {
      rows[j] = all[p.length - 1 + j];
    }
    return rows;
  }

  /**
   * The logits at every position of {@code inputIds}, by one full forward pass without a cache: the
   * reference that cached decoding is tested against.
   */
  public float[][] logits(int[] inputIds) {
    return fullForward(inputIds, "logits");
  }

  private float[][] fullForward(int[] ids, String output) {
    checkOpen();
    Preconditions.checkArgument(ids.length > 0 && ids.length <= contextLength,
        "sequence length must be in [1, %s], found %s", contextLength, ids.length);
    OrtEnvironment env = OrtRuntime.environment();
    Map<String, OnnxTensor> feed = new HashMap<>();
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
      feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(idArr), shape));
      feed.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
      if (hasPositionIds) {
        feed.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(pos), shape));
      }
      addEmptyPast(env, feed, 1);
      try (OrtSession.Result r = session.run(feed, Set.of(output))) {
        float[] flat = floats((OnnxTensor) r.get(output).orElseThrow());
        int width = flat.length / ids.length;
        float[][] rows = new float[ids.length][width];
        for (int i = 0; i < ids.length; i++) {
          System.arraycopy(flat, i * width, rows[i], 0, width);
        }
        return rows;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on " + modelFile + ": " + e.getMessage(), e);
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  void addEmptyPast(OrtEnvironment env, Map<String, OnnxTensor> feed, int rows) throws OrtException {
    long[] shape = {rows, kvHeads, 0, headSize};
    for (int i = 0; i < layers; i++) {
      feed.put("past_key_values." + i + ".key", OnnxTensor.createTensor(env, emptyFloats(), shape));
      feed.put("past_key_values." + i + ".value", OnnxTensor.createTensor(env, emptyFloats(), shape));
    }
    if (hasCacheBranch) {
      feed.put("use_cache_branch", OnnxTensor.createTensor(env, new boolean[] {false}));
    }
  }

  private static FloatBuffer emptyFloats() {
    return ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder()).asFloatBuffer();
  }

  static float[] floats(OnnxTensor t) {
    FloatBuffer b = t.getFloatBuffer();
    float[] out = new float[b.remaining()];
    b.get(out);
    return out;
  }

  static OnnxTensor tensor(OnnxValue v) {
    return (OnnxTensor) v;
  }

  OrtSession session() {
    return session;
  }

  boolean hasPositionIds() {
    return hasPositionIds;
  }

  boolean hasCacheBranch() {
    return hasCacheBranch;
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

  /** The tokenizer. */
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  /** The number of transformer layers, read from the graph. */
  public int layers() {
    return layers;
  }

  /** The number of key/value heads, read from the graph (fewer than query heads with grouped-query attention). */
  public int keyValueHeads() {
    return kvHeads;
  }

  /** The size of one attention head. */
  public int headSize() {
    return headSize;
  }

  /** The width of the logits. */
  public int vocabularySize() {
    return vocabularySize;
  }

  /** The width of the hidden state, if the graph exports it. */
  public Optional<Integer> hiddenSize() {
    return hiddenOutput.isPresent() ? Optional.of(hiddenSize) : Optional.empty();
  }

  /** The name of the hidden-state output, if any. */
  public Optional<String> hiddenOutput() {
    return hiddenOutput;
  }

  /** The most positions a sequence may have. */
  public int contextLength() {
    return contextLength;
  }

  /** The end-of-sequence token ids. */
  public Set<Integer> eosTokenIds() {
    return eosIds;
  }

  /** The id used to pad rows. */
  public int padTokenId() {
    return padId;
  }

  /** Whether prompts start with the BOS token. */
  public boolean prependsBos() {
    return bosId.isPresent();
  }

  /** Frees the session and tokenizer. Idempotent; decodings of this model must be closed first. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    tokenizer.close();
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the session of " + modelFile, e);
    }
  }

  @Override
  public String toString() {
    return "OnnxCausalLM{" + directory + ", layers=" + layers + ", kvHeads=" + kvHeads + ", headSize=" + headSize
        + ", vocab=" + vocabularySize + ", device=" + device + "}";
  }

  /** Builder of {@link OnnxCausalLM}. */
  public static final class Builder {
    private Path directory;
    private Device device = Device.cpu();
    private int intraOpThreads = Runtime.getRuntime().availableProcessors();
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

    /** Sets ONNX Runtime's threads per operator, at least 1. Default: the available processors. */
    public Builder intraOpThreads(int threads) {
      Preconditions.checkArgument(threads >= 1, "intraOpThreads must be at least 1, found %s", threads);
      this.intraOpThreads = threads;
      return this;
    }

    /** Sets whether prompts start with the BOS token. Default: when the config names a {@code bos_token_id}. */
    public Builder prependBos(boolean prepend) {
      this.prependBos = Optional.of(prepend);
      return this;
    }

    /**
     * Loads the model.
     *
     * @throws IllegalArgumentException if the directory or a file in it is missing or wrong (the
     *     message names the file and what was expected)
     * @throws IllegalStateException if the device cannot be used
     */
    public OnnxCausalLM build() {
      Preconditions.checkState(directory != null, "modelDirectory is required");
      return new OnnxCausalLM(this);
    }
  }
}
