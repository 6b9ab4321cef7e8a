package ai.iro.onnx.lm;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.platform.Fp16Conversions;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The logits and hidden-state outputs of a decoding's passes: direct buffers borrowed from the
 * model's {@link BufferPool}, reused every pass, which ONNX Runtime writes straight into as pinned
 * outputs. Row {@code i} of a pass is its {@code i}-th token, batch-major. Float16 outputs (fp16
 * exports) are pinned as they are and widened to float when read. Not thread safe; one instance per
 * decoding.
 */
final class OutputBuffers implements AutoCloseable {
  private final DecoderSpec spec;
  private final BufferPool pool;
  private final OrtEnvironment env;
  private final int width;
  private final int hiddenWidth;
  private final boolean fp16Logits;
  private final boolean fp16Hidden;
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
    this.fp16Logits = spec.logitsType() == OnnxJavaType.FLOAT16;
    this.fp16Hidden = spec.hiddenType() == OnnxJavaType.FLOAT16;
  }

  /**
   * The pinned outputs of a pass of {@code batch} rows of {@code sequence} tokens, by output name:
   * the logits of {@code logitsPerRow} positions per row and, when the graph has one, the hidden
   * state of every position. Valid until {@link #release()}.
   */
  Map<String, OnnxValue> pin(int batch, int logitsPerRow, int sequence) throws OrtException {
    long logitsCount = (long) batch * logitsPerRow * width;
    ByteBuffer l = pool.ensure(logitsBuffer, logitsCount * (fp16Logits ? Short.BYTES : Float.BYTES));
    if (l != logitsBuffer) {
      logitsBuffer = l;
      logits = l.asFloatBuffer();
    }
    pinned.put(DecoderSpec.LOGITS, tensor(logitsBuffer, fp16Logits, logitsCount, new long[] {batch, logitsPerRow, width}));
    if (hiddenWidth > 0) {
      long hiddenCount = (long) batch * sequence * hiddenWidth;
      ByteBuffer h = pool.ensure(hiddenBuffer, hiddenCount * (fp16Hidden ? Short.BYTES : Float.BYTES));
      if (h != hiddenBuffer) {
        hiddenBuffer = h;
        hidden = h.asFloatBuffer();
      }
      pinned.put(spec.hiddenOutput().orElseThrow(),
          tensor(hiddenBuffer, fp16Hidden, hiddenCount, new long[] {batch, sequence, hiddenWidth}));
    }
    return pinned;
  }

  private OnnxTensor tensor(ByteBuffer buffer, boolean fp16, long count, long[] shape) throws OrtException {
    OnnxTensor t;
    if (fp16) {
      ShortBuffer view = buffer.clear().asShortBuffer();
      view.limit((int) count);
      t = OnnxTensor.createTensor(env, view, shape, OnnxJavaType.FLOAT16);
    } else {
      FloatBuffer view = buffer.clear().asFloatBuffer();
      view.limit((int) count);
      t = OnnxTensor.createTensor(env, view, shape);
    }
    tensors.add(t);
    return t;
  }

  /** Copies the logits of logits row {@code row} of the last pass into {@code into}. */
  void logits(int row, float[] into) {
    if (fp16Logits) {
      widen(logitsBuffer, row * width, into, width);
    } else {
      logits.get(row * width, into, 0, width);
    }
  }

  /** Copies the hidden state of token {@code row} of the last pass into {@code into}. */
  void hidden(int row, float[] into) {
    if (fp16Hidden) {
      widen(hiddenBuffer, row * hiddenWidth, into, hiddenWidth);
    } else {
      hidden.get(row * hiddenWidth, into, 0, hiddenWidth);
    }
  }

  private static void widen(ByteBuffer halves, int from, float[] into, int count) {
    for (int i = 0; i < count; i++) {
      into[i] = Fp16Conversions.fp16ToFloat(halves.getShort((from + i) * Short.BYTES));
    }
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
