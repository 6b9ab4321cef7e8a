package ai.iro.onnx.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.iro.onnx.runtime.Device;
import ai.iro.onnx.runtime.OnnxSession;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.common.base.Preconditions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A sentence-transformers ONNX export (for example all-MiniLM-L6-v2) with its {@code tokenizer.json}:
 * encodes texts into fixed-length embeddings by mean-pooling the token embeddings over the attention
 * mask, optionally L2-normalised. The tokenizer adds the model's special tokens ({@code [CLS] ... [SEP]})
 * and truncates to an explicit maximum length.
 *
 * <p>The graph must take {@code input_ids} and {@code attention_mask} (and optionally
 * {@code token_type_ids}), all int64 {@code [batch, seq]}, and produce token embeddings
 * {@code [batch, seq, dim]}: the output named {@code token_embeddings} or {@code last_hidden_state},
 * else the first output. Thread safe; close it to free the session and the tokenizer (idempotent;
 * any other use after close throws {@link IllegalStateException}).
 *
 * <pre>{@code
 * try (SentenceEncoder enc = SentenceEncoder.load(Path.of("model.onnx"), Path.of("tokenizer.json"))) {
 *   float[][] e = enc.encode(List.of("A man is eating food.", "A man is riding a horse."));
 * }
 * }</pre>
 */
public final class SentenceEncoder implements AutoCloseable {
  /** The default maximum number of tokens per text, special tokens included. */
  public static final int DEFAULT_MAX_LENGTH = 256;
  /** The default most texts per forward pass. */
  public static final int DEFAULT_BATCH_SIZE = 32;

  private static final String INPUT_IDS = "input_ids";
  private static final String ATTENTION_MASK = "attention_mask";
  private static final String TOKEN_TYPE_IDS = "token_type_ids";
  private static final List<String> PREFERRED_OUTPUTS = List.of("token_embeddings", "last_hidden_state");

  private final String source;
  private final OnnxSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final boolean hasTokenTypes;
  private final String output;
  private final int dimension;
  private final int maxLength;
  private final boolean normalize;
  private final int batchSize;
  private volatile boolean closed;

  private SentenceEncoder(String source, OnnxSession session, HuggingFaceTokenizer tokenizer, int maxLength,
      boolean normalize, int batchSize) {
    this.source = source;
    this.batchSize = batchSize;
    this.session = session;
    this.tokenizer = tokenizer;
    this.maxLength = maxLength;
    this.normalize = normalize;
    OrtSession s = session.session();
    try {
      Set<String> inputs = new TreeSet<>(s.getInputNames());
      Set<String> allowed = Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS);
      if (!inputs.contains(INPUT_IDS) || !inputs.contains(ATTENTION_MASK) || !allowed.containsAll(inputs)) {
        throw new IllegalArgumentException("sentence encoder " + source + " has inputs " + inputs
            + ", expected input_ids and attention_mask and optionally token_type_ids");
      }
      this.hasTokenTypes = inputs.contains(TOKEN_TYPE_IDS);
      Map<String, NodeInfo> outputs = s.getOutputInfo();
      String chosen = null;
      for (String name : PREFERRED_OUTPUTS) {
        if (outputs.containsKey(name)) {
          chosen = name;
          break;
        }
      }
      if (chosen == null) {
        chosen = outputs.keySet().iterator().next();
      }
      this.output = chosen;
      long[] shape = outputs.get(chosen).getInfo() instanceof TensorInfo t ? t.getShape() : new long[0];
      if (shape.length != 3 || shape[2] <= 0) {
        throw new IllegalArgumentException("sentence encoder " + source + ": output " + chosen + " has shape "
            + java.util.Arrays.toString(shape) + ", expected token embeddings [batch, seq, dim] with a fixed dim");
      }
      this.dimension = (int) shape[2];
    } catch (OrtException e) {
      throw new IllegalArgumentException("cannot read the inputs and outputs of " + source + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads a model file and its {@code tokenizer.json} with the defaults: at most
   * {@value #DEFAULT_MAX_LENGTH} tokens, L2-normalised, {@value #DEFAULT_BATCH_SIZE} texts per forward
   * pass, on the CPU with one thread.
   *
   * @throws IllegalArgumentException if a file is missing or does not fit (the message names it)
   */
  public static SentenceEncoder load(Path modelFile, Path tokenizerFile) {
    return builder().modelFile(modelFile).tokenizerFile(tokenizerFile).build();
  }

  /** A builder: a model (file or bytes) and a tokenizer (file or bytes) are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link SentenceEncoder}; {@link #build()} validates and loads. */
  public static final class Builder {
    private Path modelFile;
    private byte[] modelBytes;
    private Path tokenizerFile;
    private byte[] tokenizerBytes;
    private String name;
    private int maxLength = DEFAULT_MAX_LENGTH;
    private boolean normalize = true;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Device device = Device.cpu();
    private int threads = 1;

    private Builder() {}

    /** The ONNX export as a file. */
    public Builder modelFile(Path modelFile) {
      this.modelFile = Objects.requireNonNull(modelFile, "modelFile");
      this.modelBytes = null;
      return this;
    }

    /**
     * The ONNX export held in memory (for example read from a classpath resource).
     *
     * @param model the serialised model
     * @param name names it in messages
     */
    public Builder model(byte[] model, String name) {
      this.modelBytes = Objects.requireNonNull(model, "model");
      this.name = Objects.requireNonNull(name, "name");
      this.modelFile = null;
      return this;
    }

    /** Its {@code tokenizer.json} as a file. */
    public Builder tokenizerFile(Path tokenizerFile) {
      this.tokenizerFile = Objects.requireNonNull(tokenizerFile, "tokenizerFile");
      this.tokenizerBytes = null;
      return this;
    }

    /** Its {@code tokenizer.json} held in memory. */
    public Builder tokenizer(byte[] tokenizerJson) {
      this.tokenizerBytes = Objects.requireNonNull(tokenizerJson, "tokenizerJson");
      this.tokenizerFile = null;
      return this;
    }

    /** The most tokens per text, special tokens included, at least 2; longer texts are truncated at the end. */
    public Builder maxLength(int maxLength) {
      checkMaxLength(maxLength);
      this.maxLength = maxLength;
      return this;
    }

    /** Whether to L2-normalise the embeddings (default true). */
    public Builder normalize(boolean normalize) {
      this.normalize = normalize;
      return this;
    }

    /**
     * The most texts per forward pass, at least 1 (default {@value #DEFAULT_BATCH_SIZE}). Dynamically
     * quantized exports (such as all-MiniLM-L6-v2's quantized one) quantize activations over the whole
     * batch, so a text's embedding then depends slightly on its batch mates: use 1 where embeddings must
     * not depend on batching.
     */
    public Builder batchSize(int batchSize) {
      Preconditions.checkArgument(batchSize >= 1, "batchSize must be at least 1, found %s", batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /** Where to run the model (default CPU). */
    public Builder device(Device device) {
      this.device = Objects.requireNonNull(device, "device");
      return this;
    }

    /** Intra-op threads, at least 1 (default 1). */
    public Builder threads(int threads) {
      Preconditions.checkArgument(threads >= 1, "threads must be at least 1, found %s", threads);
      this.threads = threads;
      return this;
    }

    /**
     * Loads the tokenizer and the model.
     *
     * @throws IllegalStateException if no model or no tokenizer was given
     * @throws IllegalArgumentException if a file is missing or the graph does not fit (the message
     *     names it and what was expected)
     */
    public SentenceEncoder build() {
      Preconditions.checkState(modelFile != null || modelBytes != null, "a model file or model bytes are required");
      Preconditions.checkState(tokenizerFile != null || tokenizerBytes != null,
          "a tokenizer file or tokenizer bytes are required");
      String source = modelFile != null ? modelFile.toString() : name;
      HuggingFaceTokenizer tokenizer;
      if (tokenizerFile != null && !Files.isRegularFile(tokenizerFile)) {
        throw new IllegalArgumentException("tokenizer file " + tokenizerFile
            + " does not exist (expected a Hugging Face tokenizer.json)");
      }
      try {
        tokenizer = tokenizerFile != null
            ? HuggingFaceTokenizer.newInstance(tokenizerFile, options(maxLength))
            : HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerBytes), options(maxLength));
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException("cannot load the tokenizer "
            + (tokenizerFile != null ? tokenizerFile : "of " + source) + ": " + e.getMessage(), e);
      }
      OnnxSession session = null;
      try {
        session = modelFile != null
            ? OrtRuntime.open(modelFile, device, threads)
            : OrtRuntime.open(modelBytes, name, device, threads);
        return new SentenceEncoder(source, session, tokenizer, maxLength, normalize, batchSize);
      } catch (RuntimeException e) {
        tokenizer.close();
        if (session != null) {
          session.close();
        }
        throw e;
      }
    }
  }

  private static void checkMaxLength(int maxLength) {
    Preconditions.checkArgument(maxLength >= 2, "maxLength must be at least 2, found %s", maxLength);
  }

  private static Map<String, String> options(int maxLength) {
    return Map.of("addSpecialTokens", "true", "truncation", "true", "padding", "false",
        "maxLength", Integer.toString(maxLength));
  }

  /** The length of every embedding. */
  public int dimension() {
    return dimension;
  }

  /** The most tokens per text, special tokens included. */
  public int maxLength() {
    return maxLength;
  }

  /** Whether the embeddings are L2-normalised. */
  public boolean normalizes() {
    return normalize;
  }

  /** Names the model in messages and feature ids: its file or the name it was loaded with. */
  public String source() {
    return source;
  }

  /** The most texts per forward pass. */
  public int batchSize() {
    return batchSize;
  }

  /** The embedding of one text. */
  public float[] encode(String text) {
    return encode(List.of(Objects.requireNonNull(text, "text")))[0];
  }

  /**
   * The embeddings of texts, {@link #batchSize()} per forward pass (each padded to its longest).
   *
   * @param texts the texts
   * @return one row of {@link #dimension()} values per text, in order
   */
  public float[][] encode(List<String> texts) {
    checkOpen();
    Objects.requireNonNull(texts, "texts");
    float[][] out = new float[texts.size()][];
    for (int start = 0; start < out.length; start += batchSize) {
      int end = Math.min(out.length, start + batchSize);
      float[][] rows = encodeBatch(texts.subList(start, end));
      System.arraycopy(rows, 0, out, start, rows.length);
    }
    return out;
  }

  private float[][] encodeBatch(List<String> texts) {
    int batch = texts.size();
    long[][] ids = new long[batch][];
    long[][] types = new long[batch][];
    int seq = 1;
    for (int b = 0; b < batch; b++) {
      Encoding e = tokenizer.encode(Objects.requireNonNull(texts.get(b), "text " + b));
      ids[b] = e.getIds();
      types[b] = e.getTypeIds();
      seq = Math.max(seq, ids[b].length);
    }
    long[] idFlat = new long[batch * seq];
    long[] maskFlat = new long[batch * seq];
    long[] typeFlat = new long[batch * seq];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < ids[b].length; t++) {
        idFlat[b * seq + t] = ids[b][t];
        maskFlat[b * seq + t] = 1;
        typeFlat[b * seq + t] = t < types[b].length ? types[b][t] : 0;
      }
    }
    long[] shape = {batch, seq};
    var env = OrtRuntime.environment();
    try (OnnxTensor idT = OnnxTensor.createTensor(env, LongBuffer.wrap(idFlat), shape);
         OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(maskFlat), shape);
         OnnxTensor typeT = OnnxTensor.createTensor(env, LongBuffer.wrap(typeFlat), shape)) {
      Map<String, OnnxTensor> inputs = new HashMap<>();
      inputs.put(INPUT_IDS, idT);
      inputs.put(ATTENTION_MASK, maskT);
      if (hasTokenTypes) {
        inputs.put(TOKEN_TYPE_IDS, typeT);
      }
      try (OrtSession.Result result = session.session().run(inputs, Set.of(output))) {
        OnnxValue value = result.get(output).orElseThrow(() -> new IllegalStateException(
            "sentence encoder " + source + " returned no " + output));
        float[][][] hidden = (float[][][]) value.getValue();
        float[][] out = new float[batch][];
        for (int b = 0; b < batch; b++) {
          out[b] = pool(hidden[b], ids[b].length);
        }
        return out;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("sentence encoder " + source + " failed on a batch of " + batch + ": "
          + e.getMessage(), e);
    }
  }

  private float[] pool(float[][] tokens, int length) {
    if (tokens.length < length || tokens[0].length != dimension) {
      throw new IllegalStateException("sentence encoder " + source + " returned token embeddings of shape ["
          + tokens.length + ", " + tokens[0].length + "], expected [" + length + "+, " + dimension + "]");
    }
    double[] sum = new double[dimension];
    for (int t = 0; t < length; t++) {
      for (int d = 0; d < dimension; d++) {
        sum[d] += tokens[t][d];
      }
    }
    double norm = 0;
    for (int d = 0; d < dimension; d++) {
      sum[d] /= Math.max(length, 1);
      norm += sum[d] * sum[d];
    }
    double scale = normalize ? 1.0 / Math.max(Math.sqrt(norm), 1e-12) : 1.0;
    float[] out = new float[dimension];
    for (int d = 0; d < dimension; d++) {
      out[d] = (float) (sum[d] * scale);
    }
    return out;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("sentence encoder " + source + " is closed");
    }
  }

  /** Frees the session and the tokenizer. Idempotent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      try {
        session.close();
      } finally {
        tokenizer.close();
      }
    }
  }

  @Override
  public String toString() {
    return "SentenceEncoder{" + source + ", dim=" + dimension + ", maxLength=" + maxLength + "}";
  }
}
