package ai.iro.onnx.lm;

import ai.iro.onnx.runtime.OnnxSession;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key/value cache of one decoding: one tensor per layer and kind, {@code [slots, heads, past,
 * size]}, held in ONNX Runtime's memory. The present outputs of a forward pass become the cache as
 * they are (no copy); {@link #gather} makes slot {@code i} hold old slot {@code from[i]} with one
 * native run of a Gather graph. Each slot also knows its left padding: its attention mask is 0 before
 * {@link #leftPad} and 1 from there on.
 *
 * <p>Every slot has the same {@link #pastLength}, so a slot of a short prompt carries the padding
 * that lines it up with the longest; once the longest rows have ended at the context, the others
 * would take the shared tensors past it. {@link #gatherDroppingPadding} then gathers the live slots
 * and cuts the leading positions that are padding in each of them, along the sequence axis, in one
 * native run of {@link GatherGraph#buildTrimming}: a gather and a slice, two copies of the live cache
 * where a compaction makes one. The tensors it replaces are freed like those of any gather. Not
 * thread safe.
 */
final class KvCache implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KvCache.class);

  private final OrtEnvironment env;
  private final OnnxSession gatherSession;
  private final OnnxSession trimSession;
  private final BufferPool pool;
  private final List<String> pastNames;
  private final List<String> presentNames;
  private final OnnxTensor[] tensors;
  private AutoCloseable owner;
  private int slots;
  private int pastLength;
  private int[] leftPad = new int[0];
  private ByteBuffer indexBuffer;
  private long gathers;
  private long trims;

  /**
   * An empty cache of the past and present tensors {@code spec} names; it gathers with
   * {@code gatherSession} ({@link GatherGraph#build}) and trims with {@code trimSession}
   * ({@link GatherGraph#buildTrimming}).
   */
  KvCache(OrtEnvironment env, OnnxSession gatherSession, OnnxSession trimSession, BufferPool pool, DecoderSpec spec) {
    this.env = env;
    this.gatherSession = gatherSession;
    this.trimSession = trimSession;
    this.pool = pool;
    this.pastNames = spec.pastNames();
    this.presentNames = spec.presentNames();
    this.tensors = new OnnxTensor[pastNames.size()];
  }

  /** The number of cache rows. */
  int slots() {
    return slots;
  }

  /** The number of cached positions (the same for every slot; left padding fills short rows). */
  int pastLength() {
    return pastLength;
  }

  /** The left padding of {@code slot}: its positions before this one are masked out. */
  int leftPad(int slot) {
    return leftPad[slot];
  }

  /** The number of gathers run so far, trims not counted. */
  long gathers() {
    return gathers;
  }

  /** The number of {@link #gatherDroppingPadding} runs so far. */
  long trims() {
    return trims;
  }

  /** Puts the cache into {@code feed} as the past; it stays owned by this cache. */
  void feed(Map<String, OnnxTensorLike> feed) {
    for (int i = 0; i < tensors.length; i++) {
      feed.put(pastNames.get(i), tensors[i]);
    }
  }

  /**
   * Takes the present outputs of {@code result} as the cache, which now owns the result and closes
   * it when it is replaced.
   *
   * @param leftPads the left padding of each of the result's rows
   */
  void adopt(OrtSession.Result result, int rows, int[] leftPads) {
    OnnxTensor[] next = new OnnxTensor[tensors.length];
    for (int i = 0; i < next.length; i++) {
      String name = presentNames.get(i);
      OnnxValue v = result.get(name).orElseThrow(() -> new IllegalStateException("the model has no output " + name
          + "; expected present.{i}.key/value next to every past_key_values.{i}.key/value input"));
      next[i] = (OnnxTensor) v;
    }
    long[] shape = next[0].getInfo().getShape();
    replace(next, result);
    slots = rows;
    pastLength = (int) shape[2];
    if (leftPad.length < rows) {
      leftPad = new int[Math.max(rows, 2 * leftPad.length)];
    }
    if (leftPads != leftPad) {
      System.arraycopy(leftPads, 0, leftPad, 0, rows);
    }
  }

  /** The left paddings, for {@link #adopt} after a step (the same slots, one position more). */
  int[] leftPads() {
    return leftPad;
  }

  /**
   * Makes slot {@code i} hold old slot {@code from[i]} for {@code i < rows}, repeats allowed, with
   * one native run; does nothing when that is the identity.
   */
  void gather(int[] from, int rows) throws OrtException {
    boolean identity = rows == slots;
    for (int i = 0; i < rows && identity; i++) {
      identity = from[i] == i;
    }
    if (!identity) {
      run(gatherSession, from, rows, 0);
      gathers++;
    }
  }

  /**
   * Like {@link #gather}, and drops the first {@code drop} positions of every slot, which must be
   * padding in each gathered slot: the past length and each slot's left padding shrink by
   * {@code drop}, its real positions and their mask stay as they were.
   *
   * @throws IllegalArgumentException if {@code drop} is not in {@code [1, leftPad(from[i])]} for every
   *     {@code i < rows}
   */
  void gatherDroppingPadding(int[] from, int rows, int drop) throws OrtException {
    for (int i = 0; i < rows; i++) {
      if (drop < 1 || drop > leftPad[from[i]]) {
        throw new IllegalArgumentException("cannot drop " + drop + " leading positions of KV cache slot " + from[i]
            + ", whose left padding is " + leftPad[from[i]]);
      }
    }
    run(trimSession, from, rows, drop);
    trims++;
  }

  private void run(OnnxSession graph, int[] from, int rows, int drop) throws OrtException {
    indexBuffer = pool.ensure(indexBuffer, (long) rows * Long.BYTES);
    LongBuffer index = indexBuffer.clear().asLongBuffer();
    for (int i = 0; i < rows; i++) {
      index.put(i, from[i]);
    }
    index.limit(rows);
    Map<String, OnnxTensorLike> feed = new HashMap<>();
    OrtSession.Result result = null;
    try (OnnxTensor indexTensor = OnnxTensor.createTensor(env, index, new long[] {rows});
        OnnxTensor start = drop > 0 ? OnnxTensor.createTensor(env, new long[] {drop}) : null) {
      feed.put(GatherGraph.INDEX, indexTensor);
      if (start != null) {
        feed.put(GatherGraph.START, start);
      }
      for (int i = 0; i < tensors.length; i++) {
        feed.put(GatherGraph.input(i), tensors[i]);
      }
      result = graph.session().run(feed);
      OnnxTensor[] next = new OnnxTensor[tensors.length];
      for (int i = 0; i < next.length; i++) {
        next[i] = (OnnxTensor) result.get(GatherGraph.output(i)).orElseThrow();
      }
      int[] pads = new int[Math.max(rows, leftPad.length)];
      for (int i = 0; i < rows; i++) {
        pads[i] = leftPad[from[i]] - drop;
      }
      long[] shape = next[0].getInfo().getShape();
      replace(next, result);
      result = null;
      leftPad = pads;
      slots = rows;
      pastLength = (int) shape[2];
      if (LOG.isTraceEnabled()) {
        LOG.trace("gathered KV cache slots {}, dropping {} leading positions", Arrays.toString(Arrays.copyOf(from, rows)),
            drop);
      }
    } finally {
      if (result != null) {
        result.close();
      }
    }
  }

  private void replace(OnnxTensor[] next, AutoCloseable nextOwner) {
    AutoCloseable old = owner;
    System.arraycopy(next, 0, tensors, 0, tensors.length);
    owner = nextOwner;
    closeOwner(old);
  }

  private static void closeOwner(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot free KV cache tensors: " + e.getMessage(), e);
      }
    }
  }

  /** Frees the cache tensors. Idempotent. */
  @Override
  public void close() {
    AutoCloseable old = owner;
    owner = null;
    Arrays.fill(tensors, null);
    slots = 0;
    pool.release(indexBuffer);
    indexBuffer = null;
    closeOwner(old);
  }
}
