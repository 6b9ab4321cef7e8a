package ai.iro.onnx.lm;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The logits and hidden-state outputs of a decoding's passes: direct buffers borrowed from the
 * model's {@link BufferPool}, reused every pass, which ONNX Runtime writes straight into as pinned
 * outputs. Row {@code i} of a pass is its {@code i}-th token, batch-major. Not thread safe; one
 * instance per decoding.
 */
final class OutputBuffers implements AutoCloseable {
  private final DecoderSpec spec;
  private final BufferPool pool;
  private final OrtEnvironment env;
  private final int width;
  private final int hiddenWidth;
  private final Map<String, OnnxValue> pinned = new HashMap<>();
  private final List<OnnxTensor> tensors = new ArrayList<>();
  private ByteBuffer logitsBuffer;
  private ByteBuffer hiddenBuffer;
  private FloatBuffer logits;
  private FloatBuffer hidden;

  OutputBuffers(DecoderSpec spec, BufferPool pool, OrtEnvironment env) {
    this.spec = spec;
    this.pool = pool;
    this.env = env;
    this.width = spec.vocabularySize();
    this.hiddenWidth = spec.hiddenWidth();
  }

  /**
   * The pinned outputs of a pass of {@code batch} rows of {@code sequence} tokens, by output name:
   * the logits and, when the graph has one, the hidden state. Valid until {@link #release()}.
   */
  Map<String, OnnxValue> pin(int batch, int sequence) throws OrtException {
    long tokens = (long) batch * sequence;
    ByteBuffer l = pool.ensure(logitsBuffer, tokens * width * Float.BYTES);
    if (l != logitsBuffer) {
      logitsBuffer = l;
      logits = l.asFloatBuffer();
    }
    pinned.put(DecoderSpec.LOGITS, floatTensor(logitsBuffer, tokens * width, new long[] {batch, sequence, width}));
    if (hiddenWidth > 0) {
      ByteBuffer h = pool.ensure(hiddenBuffer, tokens * hiddenWidth * Float.BYTES);
      if (h != hiddenBuffer) {
        hiddenBuffer = h;
        hidden = h.asFloatBuffer();
      }
      pinned.put(spec.hiddenOutput().orElseThrow(),
          floatTensor(hiddenBuffer, tokens * hiddenWidth, new long[] {batch, sequence, hiddenWidth}));
    }
    return pinned;
  }

  private OnnxTensor floatTensor(ByteBuffer buffer, long count, long[] shape) throws OrtException {
    FloatBuffer view = buffer.clear().asFloatBuffer();
    view.limit((int) count);
    OnnxTensor t = OnnxTensor.createTensor(env, view, shape);
    tensors.add(t);
    return t;
  }

  /** Copies the logits of token {@code row} of the last pass into {@code into}. */
  void logits(int row, float[] into) {
    logits.get(row * width, into, 0, width);
  }

  /** Copies the hidden state of token {@code row} of the last pass into {@code into}. */
  void hidden(int row, float[] into) {
    hidden.get(row * hiddenWidth, into, 0, hiddenWidth);
  }

  /** Closes the tensors of the last {@link #pin}; the buffers stay for the next pass. */
  void release() {
    for (OnnxTensor t : tensors) {
      t.close();
    }
    tensors.clear();
    pinned.clear();
  }

  /** Closes the tensors and gives the buffers back to the pool. Idempotent. */
  @Override
  public void close() {
    release();
    pool.release(logitsBuffer);
    pool.release(hiddenBuffer);
    logitsBuffer = hiddenBuffer = null;
    logits = hidden = null;
  }
}
