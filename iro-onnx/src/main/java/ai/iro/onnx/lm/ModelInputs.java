package ai.iro.onnx.lm;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The inputs of one forward pass of a decoder, built the same way for every pass: token ids, the
 * attention mask, position ids, {@code use_cache_branch} and {@code logits_to_keep} when the graph
 * takes them ({@link DecoderSpec}), and the past (none for the first-pass graph of an older pair;
 * float32 or float16 as the graph's). A pass is one of two kinds:
 *
 * <ul>
 *   <li>fresh rows ({@link #fillRows}): each row's tokens left-padded with the pad id to the
 *       longest row, masked 0 on the padding, positions counting from 0 at each row's first real
 *       token, and an empty past. The full forward pass of {@link OnnxCausalLM#logits} and
 *       {@link OnnxCausalLM#prefixFeatures} (one row, or many in a {@link PrefixPass}) and a decoding's
 *       prefill all use it.
 *   <li>a step ({@link #fillStep}): one new token per slot of a {@link KvCache}, whose tensors are
 *       the past; each slot's mask is 0 over its left padding and 1 from there on.
 * </ul>
 *
 * <p>The token buffers are direct buffers borrowed from the model's {@link BufferPool} and reused
 * from pass to pass; {@link #feed()} wraps them in tensors that {@link #release()} closes after the
 * run, and {@link #close()} gives the buffers back. Not thread safe: one instance per decoding or per
 * full pass.
 */
final class ModelInputs implements AutoCloseable {
  private final DecoderSpec spec;
  private final BufferPool pool;
  private final OrtEnvironment env;
  private final Map<String, OnnxTensorLike> feed = new HashMap<>();
  private final List<OnnxTensor> tensors = new ArrayList<>();
  private ByteBuffer ids;
  private ByteBuffer positions;
  private ByteBuffer mask;
  private int batch;
  private int sequence;
  private int maskLength;
  private int logitsPerRow;
  /** The past of a step; null for fresh rows, whose past is empty. */
  private KvCache past;

  ModelInputs(DecoderSpec spec, BufferPool pool, OrtEnvironment env) {
    this.spec = spec;
    this.pool = pool;
    this.env = env;
  }

  /**
   * Fills a pass over fresh rows, left-padded to the longest.
   *
   * @param rows the token ids of each row, none empty
   * @param lastLogitsOnly whether only each row's last logits are read: then a graph with a
   *     logits-to-keep input returns those alone
   * @return each row's left padding
   */
  int[] fillRows(int[][] rows, boolean lastLogitsOnly) {
    int n = rows.length;
    int longest = 0;
    for (int[] row : rows) {
      longest = Math.max(longest, row.length);
    }
    shape(n, longest, longest, null);
    logitsPerRow = lastLogitsOnly && spec.logitsToKeepInput().isPresent() ? 1 : longest;
    LongBuffer idView = ids.clear().asLongBuffer();
    LongBuffer posView = positions.clear().asLongBuffer();
    LongBuffer maskView = mask.clear().asLongBuffer();
    int[] pads = new int[n];
    for (int r = 0; r < n; r++) {
      int pad = longest - rows[r].length;
      pads[r] = pad;
      for (int j = 0; j < longest; j++) {
        boolean real = j >= pad;
        int k = r * longest + j;
        idView.put(k, real ? rows[r][j - pad] : spec.padId());
        maskView.put(k, real ? 1 : 0);
        posView.put(k, real ? j - pad : 0);
      }
    }
    return pads;
  }

  /**
   * Fills a step over the cache's {@code slots} slots: slot {@code s} is fed the last response
   * token of row {@code slotRow[s]} at that token's position, or, when no row reads the slot
   * ({@code slotRow[s] < 0}), the pad id at position 0, whose output is ignored. The mask spans the
   * cache's {@link KvCache#pastLength()} positions and the new one.
   */
  void fillStep(int slots, int[] slotRow, DecodingRows rows, KvCache cache) {
    int total = cache.pastLength() + 1;
    shape(slots, 1, total, cache);
    logitsPerRow = 1;
    LongBuffer idView = ids.clear().asLongBuffer();
    LongBuffer posView = positions.clear().asLongBuffer();
    LongBuffer maskView = mask.clear().asLongBuffer();
    for (int s = 0; s < slots; s++) {
      int r = slotRow[s];
      idView.put(s, r >= 0 ? rows.lastToken(r) : spec.padId());
      posView.put(s, r >= 0 ? rows.position(r) - 1 : 0);
      int pad = cache.leftPad(s);
      int base = s * total;
      for (int j = 0; j < total; j++) {
        maskView.put(base + j, j < pad ? 0 : 1);
      }
    }
  }

  private void shape(int rows, int tokensPerRow, int maskWidth, KvCache cache) {
    batch = rows;
    sequence = tokensPerRow;
    maskLength = maskWidth;
    past = cache;
    long tokens = (long) rows * tokensPerRow;
    ids = pool.ensure(ids, tokens * Long.BYTES);
    positions = pool.ensure(positions, tokens * Long.BYTES);
    mask = pool.ensure(mask, (long) rows * maskWidth * Long.BYTES);
  }

  /** The rows of the filled pass. */
  int batch() {
    return batch;
  }

  /** The new tokens per row of the filled pass. */
  int sequence() {
    return sequence;
  }

  /**
   * The positions per row whose logits the filled pass returns: its {@link #sequence()}, or 1 when
   * a logits-to-keep input limits them to the last.
   */
  int logitsPerRow() {
    return logitsPerRow;
  }

  /** Whether the filled pass runs over a cache (a step) rather than an empty past. */
  boolean withPast() {
    return past != null;
  }

  /**
   * The feed of the filled pass, by input name. Its tensors stay valid until {@link #release()};
   * the past of a step stays owned by its cache.
   */
  Map<String, OnnxTensorLike> feed() throws OrtException {
    long tokens = (long) batch * sequence;
    long[] tokenShape = {batch, sequence};
    feed.put(DecoderSpec.INPUT_IDS, longTensor(ids, tokens, tokenShape));
    feed.put(DecoderSpec.ATTENTION_MASK, longTensor(mask, (long) batch * maskLength, new long[] {batch, maskLength}));
    if (spec.positionIdsInput().isPresent()) {
      feed.put(spec.positionIdsInput().get(), longTensor(positions, tokens, tokenShape));
    }
    if (spec.cacheBranchInput().isPresent()) {
      feed.put(spec.cacheBranchInput().get(), own(OnnxTensor.createTensor(env, new boolean[] {withPast()})));
    }
    if (spec.logitsToKeepInput().isPresent()) {
      // 0 keeps every position (transformers' convention); k > 0 the last k.
      long keep = logitsPerRow == sequence ? 0 : logitsPerRow;
      long[] keepShape = spec.logitsToKeepRank() == 0 ? new long[0] : new long[] {1};
      feed.put(spec.logitsToKeepInput().get(), own(OnnxTensor.createTensor(env, LongBuffer.wrap(new long[] {keep}),
          keepShape)));
    }
    if (withPast()) {
      past.feed(feed);
    } else if (spec.firstPassFile().isEmpty()) {
      long[] emptyShape = {batch, spec.kvHeads(), 0, spec.headSize()};
      ByteBuffer empty = ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
      for (String name : spec.pastNames()) {
        feed.put(name, own(spec.kvType() == OnnxJavaType.FLOAT16
            ? OnnxTensor.createTensor(env, empty.asShortBuffer(), emptyShape, OnnxJavaType.FLOAT16)
            : OnnxTensor.createTensor(env, empty.asFloatBuffer(), emptyShape)));
      }
    }
    return feed;
  }

  private OnnxTensor longTensor(ByteBuffer buffer, long count, long[] shape) throws OrtException {
    LongBuffer view = buffer.clear().asLongBuffer();
    view.limit((int) count);
    return own(OnnxTensor.createTensor(env, view, shape));
  }

  private OnnxTensor own(OnnxTensor t) {
    tensors.add(t);
    return t;
  }

  /** Closes the tensors of the last {@link #feed()}; the buffers stay for the next pass. */
  void release() {
    for (OnnxTensor t : tensors) {
      t.close();
    }
    tensors.clear();
    feed.clear();
  }

  /** Closes the tensors and gives the buffers back to the pool. Idempotent. */
  @Override
  public void close() {
    release();
    for (ByteBuffer b : new ByteBuffer[] {ids, positions, mask}) {
      pool.release(b);
    }
    ids = positions = mask = null;
    past = null;
  }
}
