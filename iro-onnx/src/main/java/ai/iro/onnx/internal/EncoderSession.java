package ai.iro.onnx.internal;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.iro.onnx.runtime.OnnxSession;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * An encoder-style ONNX graph opened together with its Hugging Face tokenizer: the plumbing that
 * {@code SentenceEncoder} and {@code OnnxRewardModel} share. The graph takes {@code input_ids} and
 * {@code attention_mask} (and optionally {@code token_type_ids}), int64 {@code [batch, seq]}; this class
 * reads its input names and output shapes once, pads a batch of token sequences to its longest (ids and
 * type ids 0, mask 0 past each sequence), runs the graph and hands back one output as Java arrays.
 *
 * <p>Messages name the model as {@code "<kind> <source>"}, for example
 * {@code "reward model rm/model.onnx"}. Owns the session and the tokenizer: {@link #close()} frees both
 * (idempotent); {@link #checkOpen()}, {@link #tokenizer()} and {@link #run} after close throw
 * {@link IllegalStateException}. Thread safe.
 */
public final class EncoderSession implements AutoCloseable {
  private static final String INPUT_IDS = "input_ids";
  private static final String ATTENTION_MASK = "attention_mask";
  private static final String TOKEN_TYPE_IDS = "token_type_ids";

  /**
   * The tokens of one text or pair as the graph sees them. The arrays are not copied.
   *
   * @param ids the token ids
   * @param typeIds their token type ids; positions past its end count as type 0
   */
  public record Tokens(long[] ids, long[] typeIds) {

    /** Checks that neither array is null. */
    public Tokens {
      Objects.requireNonNull(ids, "ids");
      Objects.requireNonNull(typeIds, "typeIds");
    }

    /** The ids and type ids of a tokenizer's encoding. */
    public static Tokens of(Encoding encoding) {
      return new Tokens(encoding.getIds(), encoding.getTypeIds());
    }
  }

  private final String name;
  private final OnnxSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final Set<String> inputs;
  private final Map<String, long[]> outputShapes;
  private volatile boolean closed;

  private EncoderSession(String kind, OnnxSession session, HuggingFaceTokenizer tokenizer) {
    this.name = kind + " " + session.source();
    this.session = session;
    this.tokenizer = tokenizer;
    OrtSession s = session.session();
    try {
      this.inputs = Collections.unmodifiableSet(new TreeSet<>(s.getInputNames()));
      Map<String, long[]> shapes = new LinkedHashMap<>();
      for (Map.Entry<String, NodeInfo> e : s.getOutputInfo().entrySet()) {
        shapes.put(e.getKey(), e.getValue().getInfo() instanceof TensorInfo t ? t.getShape() : new long[0]);
      }
      this.outputShapes = Collections.unmodifiableMap(shapes);
    } catch (OrtException e) {
      throw new IllegalArgumentException("cannot read the inputs and outputs of " + session.source() + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * Loads a {@code tokenizer.json} file with DJL's options.
   *
   * @param file the tokenizer file
   * @param options DJL's tokenizer options, such as {@code addSpecialTokens} and {@code truncation}
   * @return a tokenizer the caller owns: give it to {@link #open} or close it
   * @throws IllegalArgumentException if the file is missing or not a tokenizer (the message names it)
   */
  public static HuggingFaceTokenizer tokenizer(Path file, Map<String, String> options) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("tokenizer file " + file
          + " does not exist (expected a Hugging Face tokenizer.json)");
    }
    try {
      return HuggingFaceTokenizer.newInstance(file, options);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load the tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Loads a {@code tokenizer.json} held in memory with DJL's options.
   *
   * @param json the tokenizer's JSON
   * @param source names the model it belongs to, for messages
   * @param options DJL's tokenizer options
   * @return a tokenizer the caller owns: give it to {@link #open} or close it
   * @throws IllegalArgumentException if the bytes are not a tokenizer (the message names the model)
   */
  public static HuggingFaceTokenizer tokenizer(byte[] json, String source, Map<String, String> options) {
    try {
      return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load the tokenizer of " + source + ": " + e.getMessage(), e);
    }
  }

  /**
   * Opens the graph and hands it, with the tokenizer, to {@code owner}, which checks the graph and
   * builds the object that will own this session. If opening or {@code owner} fails, the session and
   * the tokenizer are closed before the exception propagates.
   *
   * @param kind what the model is, for messages ({@code "reward model"})
   * @param tokenizer the model's tokenizer, now owned by the session
   * @param graph opens the ONNX session, for example {@code () -> OrtRuntime.open(file, execution)}
   * @param owner builds the owner from the open session
   * @return what {@code owner} built
   * @throws IllegalArgumentException if the graph cannot be loaded or its inputs and outputs cannot be read
   */
  public static <T> T open(String kind, HuggingFaceTokenizer tokenizer, Supplier<OnnxSession> graph,
      Function<EncoderSession, T> owner) {
    OnnxSession session = null;
    EncoderSession opened = null;
    try {
      session = graph.get();
      opened = new EncoderSession(kind, session, tokenizer);
      return owner.apply(opened);
    } catch (RuntimeException e) {
      if (opened != null) {
        opened.close();
      } else {
        tokenizer.close();
        if (session != null) {
          session.close();
        }
      }
      throw e;
    }
  }

  /** The model's file, or the name it was loaded under. */
  public String source() {
    return session.source();
  }

  /**
   * Checks that the graph takes {@code input_ids} and {@code attention_mask} and nothing else but
   * {@code token_type_ids}.
   *
   * @param expected what the message says was expected, after the inputs found
   * @throws IllegalArgumentException naming the model and the inputs it has
   */
  public void requireTokenInputs(String expected) {
    if (!inputs.contains(INPUT_IDS) || !inputs.contains(ATTENTION_MASK)
        || !Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS).containsAll(inputs)) {
      throw new IllegalArgumentException(name + " has inputs " + inputs + ", " + expected);
    }
  }

  /** The graph's output names, in the graph's order. */
  public Set<String> outputNames() {
    return outputShapes.keySet();
  }

  /** The shape of an output ({@code -1} for a dynamic axis), or an empty array if it is not a tensor. */
  public long[] outputShape(String output) {
    return outputShapes.get(output).clone();
  }

  /**
   * The tokenizer, owned by this session: do not close it.
   *
   * @throws IllegalStateException if this session is closed
   */
  public HuggingFaceTokenizer tokenizer() {
    checkOpen();
    return tokenizer;
  }

  /**
   * Throws if this session is closed.
   *
   * @throws IllegalStateException naming the model
   */
  public void checkOpen() {
    if (closed) {
      throw new IllegalStateException(name + " is closed");
    }
  }

  /**
   * Runs one batch, each sequence padded to the longest (at least 1), and returns one output.
   *
   * @param batch the sequences
   * @param output the output to fetch
   * @param type its Java array type, such as {@code float[][].class}
   * @param what names the batch in messages, such as {@code "pairs 0..7"}
   * @return the output, copied into Java arrays
   * @throws IllegalStateException if ONNX Runtime fails or returns no such output (the message names the
   *     model and the batch), or if this session is closed
   */
  public <T> T run(List<Tokens> batch, String output, Class<T> type, String what) {
    checkOpen();
    int rows = batch.size();
    int seq = 1;
    for (Tokens t : batch) {
      seq = Math.max(seq, t.ids().length);
    }
    long[] ids = new long[rows * seq];
    long[] mask = new long[rows * seq];
    long[] types = new long[rows * seq];
    for (int b = 0; b < rows; b++) {
      long[] rowIds = batch.get(b).ids();
      long[] rowTypes = batch.get(b).typeIds();
      for (int t = 0; t < rowIds.length; t++) {
        ids[b * seq + t] = rowIds[t];
        mask[b * seq + t] = 1;
        types[b * seq + t] = t < rowTypes.length ? rowTypes[t] : 0;
      }
    }
    long[] shape = {rows, seq};
    var env = OrtRuntime.environment();
    try (OnnxTensor idT = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
         OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
         OnnxTensor typeT = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape)) {
      Map<String, OnnxTensor> feed = new HashMap<>();
      feed.put(INPUT_IDS, idT);
      feed.put(ATTENTION_MASK, maskT);
      if (inputs.contains(TOKEN_TYPE_IDS)) {
        feed.put(TOKEN_TYPE_IDS, typeT);
      }
      try (OrtSession.Result result = session.session().run(feed, Set.of(output))) {
        OnnxValue value = result.get(output).orElseThrow(
            () -> new IllegalStateException(name + " returned no " + output));
        return type.cast(value.getValue());
      }
    } catch (OrtException e) {
      throw new IllegalStateException(name + " failed on " + what + ": " + e.getMessage(), e);
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
    return "EncoderSession{" + name + (closed ? ", closed" : "") + "}";
  }
}
