package ai.iro.onnx.lm;

import com.google.common.base.Preconditions;
import ai.iro.onnx.runtime.ExecutionOptions;
import ai.iro.onnx.runtime.OnnxSession;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.iro.onnx.text.TextTokenizer;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * How a loaded model runs: its ONNX Runtime session, the sessions of the KV-cache gather graphs
 * ({@link GatherGraph}: the plain one, and the trimming one for a cache at the end of the context),
 * the tokenizer and the pool of direct buffers its passes borrow, with the {@link DecoderSpec} read
 * from the graph. Every forward pass meets the session in {@link #run}; the full pass without a cache and
 * the decodings' passes build their inputs with the same {@link ModelInputs}.
 *
 * <p>Thread safe (ONNX Runtime sessions, the tokenizer and the pool are). Owned and closed by its
 * {@link OnnxCausalLM}; closing is idempotent, and any other use after close throws
 * {@link IllegalStateException}.
 */
final class DecoderRuntime implements AutoCloseable {
  private final DecoderSpec spec;
  private final OnnxSession session;
  /** The session of an older pair's first-pass graph (no past inputs); null when {@link #session} runs every pass. */
  private final OnnxSession firstPassSession;
  private final OnnxSession gatherSession;
  private final OnnxSession trimSession;
  private final TextTokenizer tokenizer;
  private final BufferPool pool = new BufferPool();
  private volatile boolean closed;

  private DecoderRuntime(ModelDirectory files, ExecutionOptions execution) {
    this.session = OrtRuntime.open(files.modelFile(), execution);
    OnnxSession gather = null;
    OnnxSession trim = null;
    OnnxSession first = null;
    TextTokenizer tok = null;
    try {
      this.spec = DecoderSpec.read(files, session.session().getInputInfo(), session.session().getOutputInfo());
      if (files.firstPassFile().isPresent()) {
        Path file = files.firstPassFile().get();
        first = OrtRuntime.open(file, execution);
        GraphIo.checkFirstPass(spec, file, first.session().getInputInfo(), first.session().getOutputInfo());
      }
      this.firstPassSession = first;
      // One thread each: a gather is a small memory copy, and a second session's own worker threads
      // spin after each run and take cores from the model's session (measured: with 2 threads on 2
      // cores, chunk-level search spent about 20 % more time in the model than Best-of-N).
      boolean fp16 = spec.kvType() == OnnxJavaType.FLOAT16;
      gather = OrtRuntime.open(GatherGraph.build(2 * spec.layers(), fp16),
          "the KV-cache gather graph of " + files.modelFile(),
          execution.device(), 1);
      trim = OrtRuntime.open(GatherGraph.buildTrimming(2 * spec.layers(), fp16),
          "the KV-cache trimming graph of " + files.modelFile(),
          execution.device(), 1);
      tok = TextTokenizer.load(files.tokenizerFile());
      this.gatherSession = gather;
      this.trimSession = trim;
      this.tokenizer = tok;
    } catch (OrtException e) {
      closeAll(tok, trim, gather, first, session);
      throw new IllegalArgumentException("cannot read the graph of " + files.modelFile() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeAll(tok, trim, gather, first, session);
      throw e;
    }
  }

  /**
   * Opens the model of {@code files}.
   *
   * @throws IllegalArgumentException naming the file, if the graph or the tokenizer is wrong
   * @throws IllegalStateException if the device cannot be used
   */
  static DecoderRuntime open(ModelDirectory files, ExecutionOptions execution) {
    return new DecoderRuntime(files, execution);
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

  /** What the model is. */
  DecoderSpec spec() {
    return spec;
  }

  /** The tokenizer; closed with this runtime. */
  TextTokenizer tokenizer() {
    return tokenizer;
  }

  /** Throws {@link IllegalStateException} if this runtime is closed. */
  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("model " + spec.directory() + " is closed");
    }
  }

  /** Whether {@link #close} was called. */
  boolean isClosed() {
    return closed;
  }

  /** The tokenizer's text of {@code tokens}, special tokens skipped. */
  String decode(int[] tokens) {
    checkOpen();
    return tokenizer.decode(tokens);
  }

  /**
   * Runs the graph on the filled {@code inputs}: the one place where a pass meets a session. An
   * older pair's first pass, without a past ({@link ModelInputs#withPast()}), runs on its
   * {@code decoder_model.onnx}, every other pass on the model file.
   *
   * @param outputs the outputs to return, besides the pinned ones
   * @param pinned outputs written into buffers the caller owns
   * @return the result, which the caller closes
   */
  OrtSession.Result run(ModelInputs inputs, Set<String> outputs, Map<String, ? extends OnnxValue> pinned)
      throws OrtException {
    checkOpen();
    OnnxSession graph = firstPassSession != null && !inputs.withPast() ? firstPassSession : session;
    return graph.session().run(inputs.feed(), outputs, pinned);
  }

  /**
   * One pass over {@code ids} with an empty past, returning {@code output} at every position:
   * {@code ids.length} rows of {@code width} values.
   *
   * @throws IllegalArgumentException if the sequence is empty, longer than the context, or holds an
   *     id outside the vocabulary
   */
  float[][] fullForward(int[] ids, String output, int width) {
    checkOpen();
    Preconditions.checkArgument(ids.length > 0 && ids.length <= spec.contextLength(),
        "sequence length must be in [1, %s], found %s", spec.contextLength(), ids.length);
    for (int id : ids) {
      Preconditions.checkArgument(id >= 0 && id < spec.vocabularySize(), "token id %s is outside [0, %s)", id,
          spec.vocabularySize());
    }
    try (ModelInputs inputs = newInputs()) {
      inputs.fillRows(new int[][] {ids}, false);
      try (OrtSession.Result r = run(inputs, Set.of(output), Map.of())) {
        FloatBuffer flat = ((OnnxTensor) r.get(output).orElseThrow()).getFloatBuffer();
        float[][] rows = new float[ids.length][width];
        for (int i = 0; i < ids.length; i++) {
          flat.get(i * width, rows[i], 0, width);
        }
        return rows;
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on " + spec.modelFile() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The hidden state after the prompt ({@code promptIds}, as fed) and after each response token,
   * from one full pass: {@code responseTokens.length + 1} rows. The reference that
   * {@link PrefixPass}, which runs many responses in one pass, is tested against.
   */
  float[][] prefixFeatures(int[] promptIds, int[] responseTokens, String hiddenOutput) {
    Preconditions.checkArgument(promptIds.length > 0, "the prompt is empty and the model prepends no BOS token");
    int[] ids = new int[promptIds.length + responseTokens.length];
    System.arraycopy(promptIds, 0, ids, 0, promptIds.length);
    System.arraycopy(responseTokens, 0, ids, promptIds.length, responseTokens.length);
    float[][] all = fullForward(ids, hiddenOutput, spec.hiddenWidth());
    float[][] rows = new float[responseTokens.length + 1][];
    for (int j = 0; j < rows.length; j++) {
      rows[j] = all[promptIds.length - 1 + j];
    }
    return rows;
  }

  /** A new, empty KV cache for one decoding; the caller closes it. */
  KvCache newCache() {
    return new KvCache(OrtRuntime.environment(), gatherSession, trimSession, pool, spec);
  }

  /** New input buffers for one decoding or full pass; the caller closes them. */
  ModelInputs newInputs() {
    return new ModelInputs(spec, pool, OrtRuntime.environment());
  }

  /** New output buffers for one decoding; the caller closes them. */
  OutputBuffers newOutputs() {
    return new OutputBuffers(spec, pool, OrtRuntime.environment());
  }

  /** Frees the sessions and the tokenizer. Idempotent; decodings must be closed first. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      tokenizer.close();
      gatherSession.close();
      trimSession.close();
      if (firstPassSession != null) {
        firstPassSession.close();
      }
    } finally {
      session.close();
      pool.clear();
    }
  }
}
