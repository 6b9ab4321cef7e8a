package ai.iro.onnx.lm;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forward passes of one {@link OnnxDecoding}: the prefill over its prompts, left-padded to the
 * longest, and the steps that feed its rows' last tokens over the {@link KvCache}, laid out first by
 * {@link StepSlots}. After each pass every fed row of the {@link DecodingRows} points at its
 * next-token logits in the {@link OutputBuffers} and holds its hidden state. Owns and closes the
 * cache, the input and the output buffers. Not thread safe.
 */
final class DecodingPasses implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DecodingPasses.class);

  private final DecoderRuntime runtime;
  private final DecoderSpec spec;
  private final DecodingRows rows;
  private final KvCache cache;
  private final ModelInputs inputs;
  private final OutputBuffers outputs;
  private final StepSlots slots;
  private final Set<String> presents;
  private final int hiddenWidth;
  private OrtSession.Result lastResult;

  /** The passes of {@code rows} on {@code runtime}'s model, with a new, empty cache. */
  DecodingPasses(DecoderRuntime runtime, DecodingRows rows) {
    this.runtime = runtime;
    this.spec = runtime.spec();
    this.rows = rows;
    this.hiddenWidth = spec.hiddenWidth();
    this.presents = Set.copyOf(spec.presentNames());
    this.slots = new StepSlots(spec.contextLength());
    this.cache = runtime.newCache();
    this.inputs = runtime.newInputs();
    this.outputs = runtime.newOutputs();
  }

  /** The cache (for tests). */
  KvCache cache() {
    return cache;
  }

  /** Copies row {@code r}'s next-token logits from the last pass into {@code into}. */
  void logits(int r, float[] into) {
    outputs.logits(rows.logitsRow(r), into);
  }

  /** Runs the prompts {@code encoded}, row {@code r} the prompt {@code r}, into the cache. */
  void prefill(int[][] encoded) {
    int n = encoded.length;
    try {
      int[] pads = inputs.fillRows(encoded, true);
      run();
      cache.adopt(lastResult, n, pads);
      lastResult = null;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on the prompts of " + spec.modelFile() + ": " + e.getMessage(), e);
    } finally {
      endPass();
    }
    int longest = inputs.sequence();
    int kept = inputs.logitsPerRow();
    for (int r = 0; r < n; r++) {
      rows.setLogitsRow(r, r * kept + kept - 1);
      copyHidden(r, r * longest + longest - 1);
    }
    LOG.debug("prefilled {} prompts of up to {} tokens", n, longest);
  }

  /** Feeds the last token of each of rows {@code fed[0 .. m)}, which just appended one, in one run. */
  void step(int[] fed, int m) {
    runtime.checkOpen();
    try {
      int n = slots.assign(fed, m, rows, cache);
      inputs.fillStep(n, slots.slotRow(), rows, cache);
      run();
      cache.adopt(lastResult, n, cache.leftPads());
      lastResult = null;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed while decoding with " + spec.modelFile() + ": "
          + e.getMessage(), e);
    } finally {
      endPass();
    }
    for (int i = 0; i < m; i++) {
      int r = fed[i];
      rows.setLogitsRow(r, rows.slot(r));
      copyHidden(r, rows.slot(r));
      if (hiddenWidth > 0) {
        rows.poolHidden(r);
      }
    }
  }

  /**
   * Runs the graph on the filled inputs, leaving the result in {@link #lastResult} and the logits
   * and hidden states in the output buffers.
   */
  private void run() throws OrtException {
    lastResult = runtime.run(inputs, presents, outputs.pin(inputs.batch(), inputs.logitsPerRow(), inputs.sequence()));
  }

  private void endPass() {
    if (lastResult != null) {
      lastResult.close();
      lastResult = null;
    }
    inputs.release();
    outputs.release();
  }

  /** Copies the hidden state of the last pass's token {@code token} as row {@code r}'s. */
  private void copyHidden(int r, int token) {
    if (hiddenWidth > 0) {
      outputs.hidden(token, rows.hidden(r, hiddenWidth));
      rows.recordHidden(r);
    }
  }

  /** Frees the cache and gives the buffers back. Idempotent. */
  @Override
  public void close() {
    try {
      cache.close();
    } finally {
      inputs.close();
      outputs.close();
    }
  }
}
