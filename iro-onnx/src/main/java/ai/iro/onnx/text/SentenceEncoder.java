package ai.iro.onnx.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.iro.onnx.internal.EncoderSession;
import ai.iro.onnx.internal.EncoderSession.Tokens;
import ai.iro.onnx.runtime.ExecutionOptions;
import ai.iro.onnx.runtime.OrtRuntime;
import com.google.common.base.Preconditions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
  /** The default execution: the CPU with one thread per operator. */
  public static final ExecutionOptions DEFAULT_EXECUTION = ExecutionOptions.cpu(1);

  private static final List<String> PREFERRED_OUTPUTS = List.of("token_embeddings", "last_hidden_state");

  private final String source;
  private final EncoderSession session;
  private final String output;
  private final int dimension;
  private final int maxLength;
  private final boolean normalize;
  private final int batchSize;

  private SentenceEncoder(EncoderSession session, int maxLength, boolean normalize, int batchSize) {
    this.source = session.source();
    this.batchSize = batchSize;
    this.session = session;
    this.maxLength = maxLength;
    this.normalize = normalize;
    session.requireTokenInputs("expected input_ids and attention_mask and optionally token_type_ids");
    this.output = PREFERRED_OUTPUTS.stream().filter(session.outputNames()::contains).findFirst()
        .orElseGet(() -> session.outputNames().iterator().next());
    long[] shape = session.outputShape(output);
    if (shape.length != 3 || shape[2] <= 0) {
      throw new IllegalArgumentException("sentence encoder " + source + ": output " + output + " has shape "
          + Arrays.toString(shape) + ", expected token embeddings [batch, seq, dim] with a fixed dim");
    }
    this.dimension = (int) shape[2];
  }

  /**
   * Loads a model file and its {@code tokenizer.json} with the defaults: at most
   * {@value #DEFAULT_MAX_LENGTH} tokens, L2-normalised, {@value #DEFAULT_BATCH_SIZE} texts per forward
   * pass, on the CPU with one thread ({@link #DEFAULT_EXECUTION}).
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
    private ExecutionOptions execution = DEFAULT_EXECUTION;

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

    /**
     * Where the model runs and its threads per operator. Default:
     * {@link SentenceEncoder#DEFAULT_EXECUTION}, the CPU with one thread.
     */
    public Builder execution(ExecutionOptions execution) {
      this.execution = Objects.requireNonNull(execution, "execution");
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
      HuggingFaceTokenizer tokenizer = tokenizerFile != null
          ? EncoderSession.tokenizer(tokenizerFile, options(maxLength))
          : EncoderSession.tokenizer(tokenizerBytes, source, options(maxLength));
      return EncoderSession.open("sentence encoder", tokenizer, () -> modelFile != null
              ? OrtRuntime.open(modelFile, execution)
              : OrtRuntime.open(modelBytes, name, execution.device(), execution.threads()),
          session -> new SentenceEncoder(session, maxLength, normalize, batchSize));
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
    session.checkOpen();
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
    HuggingFaceTokenizer tokenizer = session.tokenizer();
    List<Tokens> tokens = new ArrayList<>(batch);
    for (int b = 0; b < batch; b++) {
      tokens.add(Tokens.of(tokenizer.encode(Objects.requireNonNull(texts.get(b), "text " + b))));
    }
    float[][][] hidden = session.run(tokens, output, float[][][].class, "a batch of " + batch);
    float[][] out = new float[batch][];
    for (int b = 0; b < batch; b++) {
      out[b] = pool(hidden[b], tokens.get(b).ids().length);
    }
    return out;
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

  /** Frees the session and the tokenizer. Idempotent. */
  @Override
  public void close() {
    session.close();
  }

  @Override
  public String toString() {
    return "SentenceEncoder{" + source + ", dim=" + dimension + ", maxLength=" + maxLength + "}";
  }
}
