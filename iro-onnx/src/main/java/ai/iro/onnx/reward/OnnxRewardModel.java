package ai.iro.onnx.reward;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.iro.core.reward.RewardModel;
import ai.iro.onnx.internal.EncoderSession.Tokens;
import ai.iro.onnx.internal.EncoderSession;
import ai.iro.onnx.runtime.ExecutionOptions;
import ai.iro.onnx.runtime.OrtRuntime;
import com.google.common.base.Preconditions;
import com.google.common.hash.Hashing;
import com.google.common.io.Files;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A reward model from a sequence-classification ONNX export (for example a Hugging Face
 * {@code AutoModelForSequenceClassification} exported with Optimum): the score of a (prompt, response)
 * pair is one logit. The graph must take {@code input_ids} and {@code attention_mask} (and optionally
 * {@code token_type_ids}), int64 {@code [batch, seq]}, and produce {@code logits [batch, labels]}.
 * Pairs are tokenized with the model's {@code tokenizer.json}, special tokens added, as a text pair or
 * as one concatenated text ({@link Input}); pairs longer than the maximum length follow an explicit
 * {@link Truncation} policy. Thread safe; close it to free the session and tokenizer (idempotent; any
 * other use after close throws {@link IllegalStateException}).
 *
 * <pre>{@code
 * try (OnnxRewardModel rm = OnnxRewardModel.builder()
 *     .modelFile(Path.of("rm/model.onnx")).tokenizerFile(Path.of("rm/tokenizer.json"))
 *     .labelIndex(1).maxLength(512).truncation(OnnxRewardModel.Truncation.TRUNCATE_LEFT)
 *     .execution(ExecutionOptions.cpu(4))
 *     .build()) {
 *   double[] scores = rm.score(prompts, responses);
 * }
 * }</pre>
 */
public final class OnnxRewardModel implements RewardModel, AutoCloseable {

  /** What to do with a pair longer than the maximum length. */
  public enum Truncation {
    /** Drops tokens from the start, keeping the end of the response (and a leading special token). */
    TRUNCATE_LEFT,
    /** Drops tokens from the end (keeping a trailing special token). */
    TRUNCATE_RIGHT,
    /** Throws {@link IllegalArgumentException} naming the pair's index and lengths. */
    FAIL
  }

  /** How a pair becomes the model's input. */
  public enum Input {
    /** The prompt and the response as a tokenizer text pair (for example {@code [CLS] p [SEP] r [SEP]}). */
    TEXT_PAIR,
    /** One text: the prompt immediately followed by the response. */
    CONCATENATED
  }

  /** The default execution: the CPU with one thread per operator. */
  public static final ExecutionOptions DEFAULT_EXECUTION = ExecutionOptions.cpu(1);

  private static final String LOGITS = "logits";
  /** DJL options: special tokens added; truncation is this class's own policy. */
  private static final Map<String, String> TOKENIZER_OPTIONS = Map.of("addSpecialTokens", "true",
      "truncation", "false", "padding", "false");

  private final String source;
  private final EncoderSession session;
  private final int labels;
  private final int labelIndex;
  private final int batchSize;
  private final int maxLength;
  private final Truncation truncation;
  private final Input input;
  private final Path modelFile;
  private final Path tokenizerFile;
  private volatile String id;

  private OnnxRewardModel(Builder b, EncoderSession session) {
    this.source = session.source();
    this.session = session;
    this.batchSize = b.batchSize;
    this.maxLength = b.maxLength;
    this.truncation = b.truncation;
    this.input = b.input;
    this.modelFile = b.modelFile;
    this.tokenizerFile = b.tokenizerFile;
    if (!session.outputNames().contains(LOGITS)) {
      throw new IllegalArgumentException("reward model " + source + " has outputs "
          + new TreeSet<>(session.outputNames())
          + ", expected an output named logits [batch, labels] (a sequence-classification export)");
    }
    long[] shape = session.outputShape(LOGITS);
    if (shape.length != 2 || shape[1] <= 0) {
      throw new IllegalArgumentException("reward model " + source + ": logits have shape " + Arrays.toString(shape)
          + ", expected [batch, labels] with a fixed number of labels");
    }
    session.requireTokenInputs("expected [attention_mask, input_ids] and optionally token_type_ids");
    this.labels = (int) shape[1];
    if (b.labelIndex == null) {
      if (labels != 1) {
        throw new IllegalArgumentException("reward model " + source + " has " + labels
            + " labels: set labelIndex to the label whose logit is the reward (0.." + (labels - 1) + ")");
      }
      this.labelIndex = 0;
    } else {
      if (b.labelIndex >= labels) {
        throw new IllegalArgumentException("labelIndex " + b.labelIndex + " is out of range: reward model " + source
            + " has " + labels + " label" + (labels == 1 ? "" : "s") + " (expected 0.." + (labels - 1) + ")");
      }
      this.labelIndex = b.labelIndex;
    }
  }

  /** A builder: the model and tokenizer files are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The number of labels (logits per pair). */
  public int labels() {
    return labels;
  }

  /** The label whose logit is the score. */
  public int labelIndex() {
    return labelIndex;
  }

  /** The most pairs per forward pass. */
  public int batchSize() {
    return batchSize;
  }

  /** The most tokens per pair, special tokens included. */
  public int maxLength() {
    return maxLength;
  }

  /** The truncation policy. */
  public Truncation truncation() {
    return truncation;
  }

  /** How pairs are turned into input. */
  public Input input() {
    return input;
  }

  /**
   * The token ids of a pair as the model sees them, after truncation.
   *
   * @param index the pair's index, for messages
   * @throws IllegalArgumentException if the pair is too long and the policy is {@link Truncation#FAIL}
   */
  public long[] tokenize(int index, String prompt, String response) {
    return encodePair(index, prompt, response).ids();
  }

  /**
   * Scores pairs, {@link #batchSize()} per forward pass.
   *
   * @throws IllegalArgumentException if the lists differ in length, or a pair is too long under
   *     {@link Truncation#FAIL} (the message names its index and lengths)
   */
  @Override
  public double[] score(List<String> prompts, List<String> responses) {
    session.checkOpen();
    Objects.requireNonNull(prompts, "prompts");
    Objects.requireNonNull(responses, "responses");
    Preconditions.checkArgument(prompts.size() == responses.size(),
        "%s prompts but %s responses: expected one response per prompt", prompts.size(), responses.size());
    int n = prompts.size();
    List<Tokens> encoded = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      encoded.add(encodePair(i, Objects.requireNonNull(prompts.get(i), "prompt " + i),
          Objects.requireNonNull(responses.get(i), "response " + i)));
    }
    double[] out = new double[n];
    for (int start = 0; start < n; start += batchSize) {
      int end = Math.min(n, start + batchSize);
      runBatch(encoded, start, end, out);
    }
    return out;
  }

  /** ids and type ids of one pair, truncated by the policy. */
  private Tokens encodePair(int index, String prompt, String response) {
    HuggingFaceTokenizer tokenizer = session.tokenizer();
    Encoding e = input == Input.TEXT_PAIR
        ? tokenizer.encode(prompt, response, true, false)
        : tokenizer.encode(prompt + response, true, false);
    long[] ids = e.getIds();
    long[] types = e.getTypeIds();
    if (ids.length <= maxLength) {
      return new Tokens(ids, types);
    }
    long[] special = e.getSpecialTokenMask();
    switch (truncation) {
      case FAIL -> {
        int promptTokens = tokenizer.encode(prompt, false, false).getIds().length;
        int responseTokens = tokenizer.encode(response, false, false).getIds().length;
        throw new IllegalArgumentException("pair " + index + " is " + ids.length + " tokens (prompt " + promptTokens
            + ", response " + responseTokens + ", with special tokens), more than maxLength " + maxLength
            + " of reward model " + source + ": shorten it or choose TRUNCATE_LEFT or TRUNCATE_RIGHT");
      }
      case TRUNCATE_LEFT -> {
        boolean keepFirst = special.length > 0 && special[0] == 1;
        return new Tokens(keepEnd(ids, keepFirst), keepEnd(types, keepFirst));
      }
      case TRUNCATE_RIGHT -> {
        boolean keepLast = special.length > 0 && special[special.length - 1] == 1;
        return new Tokens(keepStart(ids, keepLast), keepStart(types, keepLast));
      }
      default -> throw new AssertionError(truncation);
    }
  }

  private long[] keepEnd(long[] a, boolean keepFirst) {
    long[] out = new long[maxLength];
    int offset = keepFirst ? 1 : 0;
    if (keepFirst) {
      out[0] = a[0];
    }
    System.arraycopy(a, a.length - (maxLength - offset), out, offset, maxLength - offset);
    return out;
  }

  private long[] keepStart(long[] a, boolean keepLast) {
    long[] out = Arrays.copyOf(a, maxLength);
    if (keepLast) {
      out[maxLength - 1] = a[a.length - 1];
    }
    return out;
  }

  private void runBatch(List<Tokens> encoded, int start, int end, double[] out) {
    int batch = end - start;
    float[][] logits = session.run(encoded.subList(start, end), LOGITS, float[][].class,
        "pairs " + start + ".." + (end - 1));
    if (logits.length != batch) {
      throw new IllegalStateException("reward model " + source + " returned " + logits.length
          + " rows of logits for a batch of " + batch);
    }
    for (int b = 0; b < batch; b++) {
      if (logits[b].length != labels) {
        throw new IllegalStateException("reward model " + source + " returned " + logits[b].length
            + " logits per pair, expected " + labels);
      }
      out[start + b] = logits[b][labelIndex];
    }
  }

  /** Frees the session and the tokenizer. Idempotent. */
  @Override
  public void close() {
    session.close();
  }

  /**
   * {@code "onnx-reward:sha256-<model>:sha256-<tokenizer>:label=<i>:maxLength=<n>:<truncation>:<input>"}:
   * the SHA-256 of the model and tokenizer files (streamed, computed on first call and kept) and
   * every setting that changes a score, so that a checkpointed run resumed with another reward
   * model or label is refused.
   *
   * @throws UncheckedIOException if a file cannot be read
   */
  @Override
  public Optional<String> id() {
    String known = id;
    if (known == null) {
      try {
        known = "onnx-reward:sha256-" + Files.asByteSource(modelFile.toFile()).hash(Hashing.sha256())
            + ":sha256-" + Files.asByteSource(tokenizerFile.toFile()).hash(Hashing.sha256())
            + ":label=" + labelIndex + ":maxLength=" + maxLength + ":" + truncation + ":" + input;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot hash reward model " + modelFile + " or " + tokenizerFile, e);
      }
      id = known;
    }
    return Optional.of(known);
  }

  @Override
  public String toString() {
    return "OnnxRewardModel{" + source + ", label " + labelIndex + " of " + labels + ", maxLength=" + maxLength
        + ", " + truncation + ", " + input + "}";
  }

  /** Builds an {@link OnnxRewardModel}; {@link #build()} validates and loads. */
  public static final class Builder {
    private Path modelFile;
    private Path tokenizerFile;
    private Integer labelIndex;
    private int batchSize = 8;
    private int maxLength = 512;
    private Truncation truncation = Truncation.FAIL;
    private Input input = Input.TEXT_PAIR;
    private ExecutionOptions execution = DEFAULT_EXECUTION;

    private Builder() {}

    /** The sequence-classification {@code .onnx} file (required). */
    public Builder modelFile(Path modelFile) {
      this.modelFile = Objects.requireNonNull(modelFile, "modelFile");
      return this;
    }

    /** Its {@code tokenizer.json} (required). */
    public Builder tokenizerFile(Path tokenizerFile) {
      this.tokenizerFile = Objects.requireNonNull(tokenizerFile, "tokenizerFile");
      return this;
    }

    /**
     * The label whose logit is the score; required when the model has more than one label, 0 for a
     * single logit.
     */
    public Builder labelIndex(int labelIndex) {
      Preconditions.checkArgument(labelIndex >= 0, "labelIndex must be non-negative, found %s", labelIndex);
      this.labelIndex = labelIndex;
      return this;
    }

    /** The most pairs per forward pass, at least 1 (default 8). */
    public Builder batchSize(int batchSize) {
      Preconditions.checkArgument(batchSize >= 1, "batchSize must be at least 1, found %s", batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /** The most tokens per pair, special tokens included, at least 2 (default 512). */
    public Builder maxLength(int maxLength) {
      Preconditions.checkArgument(maxLength >= 2, "maxLength must be at least 2, found %s", maxLength);
      this.maxLength = maxLength;
      return this;
    }

    /** What to do with longer pairs (default {@link Truncation#FAIL}). */
    public Builder truncation(Truncation truncation) {
      this.truncation = Objects.requireNonNull(truncation, "truncation");
      return this;
    }

    /** How pairs become input (default {@link Input#TEXT_PAIR}). */
    public Builder input(Input input) {
      this.input = Objects.requireNonNull(input, "input");
      return this;
    }

    /**
     * Where the model runs and its threads per operator. Default:
     * {@link OnnxRewardModel#DEFAULT_EXECUTION}, the CPU with one thread.
     */
    public Builder execution(ExecutionOptions execution) {
      this.execution = Objects.requireNonNull(execution, "execution");
      return this;
    }

    /**
     * Loads the model and tokenizer.
     *
     * @throws IllegalStateException if the model or tokenizer file was not set
     * @throws IllegalArgumentException if a file is missing, the graph does not fit (the message names
     *     the expected and found inputs or outputs) or the label index is out of range
     */
    public OnnxRewardModel build() {
      Preconditions.checkState(modelFile != null, "modelFile is required");
      Preconditions.checkState(tokenizerFile != null, "tokenizerFile is required");
      HuggingFaceTokenizer tokenizer = EncoderSession.tokenizer(tokenizerFile, TOKENIZER_OPTIONS);
      return EncoderSession.open("reward model", tokenizer, () -> OrtRuntime.open(modelFile, execution),
          session -> new OnnxRewardModel(this, session));
    }
  }
}
