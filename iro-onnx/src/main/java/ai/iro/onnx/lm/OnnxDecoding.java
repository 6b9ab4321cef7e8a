package ai.iro.onnx.lm;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.model.NextTokenDistribution;
import ai.iro.onnx.lm.internal.TokenSampler;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rows of one {@link OnnxCausalLM#open} call.
 *
 * <p>Each row points at a slot of the {@link KvCache} and at its next-token logits in the last
 * run's output buffer. {@link #reorder} only remaps rows (forks share a slot); the next step gathers
 * the slots it needs with one native run. A step feeds one token per slot in one native run; a
 * finished row's slot is fed a pad token, whose output is ignored, until finished slots are more
 * than {@link #MAX_DEAD_FRACTION} of the batch, when the cache is compacted to the live rows. Input,
 * logits and hidden-state buffers are direct buffers borrowed from the model's pool and reused every
 * step (logits and hidden state are written by ONNX Runtime straight into them as pinned outputs).
 *
 * <p>Randomness: row {@code i} of {@code open} gets the {@code i}-th split of the seed's
 * {@link SplittableRandom}; every {@link #reorder} gives each resulting row the next split, so forks
 * draw independently and the same calls with the same seed give the same tokens. Not thread safe.
 */
final class OnnxDecoding implements Decoding {
  /** Finished rows may fill at most this fraction of the batch before the cache is compacted. */
  static final double MAX_DEAD_FRACTION = 0.25;

  private static final Logger LOG = LoggerFactory.getLogger(OnnxDecoding.class);
  private static final int STOP_WINDOW_MARGIN = 8;

  private final OnnxCausalLM lm;
  private final OrtEnvironment env;
  private final List<String> prompts;
  private final Sampling sampling;
  private final SplittableRandom master;
  private final TokenSampler sampler;
  private final int width;
  private final int hiddenWidth;
  private final KvCache cache;
  private final BufferPool pool;
  private final Set<String> presents;
  private final int longestStop;
  /** End-of-sequence ids as a lookup table: no boxing per sampled token. */
  private final boolean[] endOfSequence;

  // Per-step scratch, reused.
  private final Map<String, OnnxTensorLike> feed = new HashMap<>();
  private final Map<String, OnnxValue> pinned = new HashMap<>();
  private final List<OnnxTensor> stepTensors = new ArrayList<>();
  private final float[] rowLogits;
  private int[] fed = new int[0];
  private int[] from = new int[0];
  private int[] slotRow = new int[0];
  private ByteBuffer idsBuffer;
  private ByteBuffer positionsBuffer;
  private ByteBuffer maskBuffer;
  private ByteBuffer logitsBuffer;
  private ByteBuffer hiddenBuffer;
  private FloatBuffer logits;
  private FloatBuffer hiddenStates;
  private OrtSession.Result lastResult;

  // Per row.
  private int rows;
  private int[] promptIndex;
  private int[][] response;
  private int[] responseLength;
  private FinishReason[] finish;
  private SplittableRandom[] random;
  private int[] position;
  private int[] slot;
  private int[] logitsRow;
  private float[][] hidden;

  private long generated;
  private long samplingNanos;
  private boolean closed;

  OnnxDecoding(OnnxCausalLM lm, List<String> prompts, int[][] encoded, Sampling sampling, long seed) {
    this.lm = lm;
    this.env = OrtRuntime.environment();
    this.prompts = List.copyOf(prompts);
    this.sampling = sampling;
    this.master = new SplittableRandom(seed);
    this.width = lm.vocabularySize();
    this.hiddenWidth = lm.hiddenWidth();
    this.sampler = new TokenSampler(sampling, width);
    this.rowLogits = new float[width];
    this.pool = lm.pool();
    this.presents = Set.copyOf(lm.presentNames());
    this.longestStop = sampling.stopStrings().stream().mapToInt(String::length).max().orElse(0);
    this.endOfSequence = new boolean[width];
    for (int id : lm.eosTokenIds()) {
      if (id >= 0 && id < width) {
        endOfSequence[id] = true;
      }
    }
    this.cache = lm.newCache();
    this.rows = encoded.length;
    this.promptIndex = new int[rows];
    this.response = new int[rows][];
    this.responseLength = new int[rows];
    this.finish = new FinishReason[rows];
    this.random = new SplittableRandom[rows];
    this.position = new int[rows];
    this.slot = new int[rows];
    this.logitsRow = new int[rows];
    this.hidden = new float[rows][];
    for (int r = 0; r < rows; r++) {
      promptIndex[r] = r;
      response[r] = new int[Math.min(sampling.maxNewTokens(), 16)];
      random[r] = master.split();
      position[r] = encoded[r].length;
      slot[r] = r;
    }
    try {
      prefill(encoded);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("decoding of " + lm.directory() + " is closed");
    }
  }

  private void checkRow(int row) {
    checkOpen();
    if (row < 0 || row >= rows) {
      throw new IndexOutOfBoundsException("row " + row + " is outside [0, " + rows + ")");
    }
  }

  // ---- Buffers ----

  private ByteBuffer ensure(ByteBuffer buffer, long bytes) {
    if (buffer != null && buffer.capacity() >= bytes) {
      return buffer;
    }
    pool.release(buffer);
    return pool.acquire(bytes);
  }

  private void ensureBuffers(int batch, int sequence, int maskLength) {
    long tokens = (long) batch * sequence;
    idsBuffer = ensure(idsBuffer, tokens * Long.BYTES);
    positionsBuffer = ensure(positionsBuffer, tokens * Long.BYTES);
    maskBuffer = ensure(maskBuffer, (long) batch * maskLength * Long.BYTES);
    ByteBuffer l = ensure(logitsBuffer, tokens * width * Float.BYTES);
    if (l != logitsBuffer) {
      logitsBuffer = l;
      logits = l.asFloatBuffer();
    }
    if (hiddenWidth > 0) {
      ByteBuffer h = ensure(hiddenBuffer, tokens * hiddenWidth * Float.BYTES);
      if (h != hiddenBuffer) {
        hiddenBuffer = h;
        hiddenStates = h.asFloatBuffer();
      }
    }
  }

  private void growRowScratch(int n) {
    if (fed.length < n) {
      fed = new int[n];
      from = new int[n];
    }
  }

  private OnnxTensor longTensor(ByteBuffer buffer, long count, long[] shape) throws OrtException {
    LongBuffer view = buffer.clear().asLongBuffer();
    view.limit((int) count);
    return transientTensor(OnnxTensor.createTensor(env, view, shape));
  }

  private OnnxTensor floatTensor(ByteBuffer buffer, long count, long[] shape) throws OrtException {
    FloatBuffer view = buffer.clear().asFloatBuffer();
    view.limit((int) count);
    return transientTensor(OnnxTensor.createTensor(env, view, shape));
  }

  /** Registers a tensor that lives for one run; {@link #closeStepTensors} closes it. */
  private OnnxTensor transientTensor(OnnxTensor t) {
    stepTensors.add(t);
    return t;
  }

  private void closeStepTensors() {
    for (OnnxTensor t : stepTensors) {
      t.close();
    }
    stepTensors.clear();
    feed.clear();
    pinned.clear();
  }

  // ---- Forward passes ----

  private void prefill(int[][] encoded) {
    int n = encoded.length;
    int longest = 0;
    for (int[] e : encoded) {
      longest = Math.max(longest, e.length);
    }
    ensureBuffers(n, longest, longest);
    LongBuffer ids = idsBuffer.clear().asLongBuffer();
    LongBuffer pos = positionsBuffer.clear().asLongBuffer();
    LongBuffer mask = maskBuffer.clear().asLongBuffer();
    int[] pads = new int[n];
    for (int r = 0; r < n; r++) {
      int pad = longest - encoded[r].length;
      pads[r] = pad;
      for (int j = 0; j < longest; j++) {
        boolean real = j >= pad;
        int k = r * longest + j;
        ids.put(k, real ? encoded[r][j - pad] : lm.padTokenId());
        mask.put(k, real ? 1 : 0);
        pos.put(k, real ? j - pad : 0);
      }
    }
    try {
      run(n, longest, longest, false);
      cache.adopt(lastResult, n, pads);
      lastResult = null;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on the prompts of " + lm.modelFile() + ": " + e.getMessage(), e);
    } finally {
      closeLastResult();
      closeStepTensors();
    }
    for (int r = 0; r < n; r++) {
      logitsRow[r] = r * longest + longest - 1;
      copyHidden(r, logitsRow[r]);
    }
    LOG.debug("prefilled {} prompts of up to {} tokens", n, longest);
  }

  private void closeLastResult() {
    if (lastResult != null) {
      lastResult.close();
      lastResult = null;
    }
  }

  /**
   * Runs the graph on the filled buffers: {@code batch} rows of {@code sequence} new tokens, an
   * attention mask {@code maskLength} wide; the past is empty (prefill) or the cache. Leaves the
   * result in {@link #lastResult} and the logits and hidden states in their buffers.
   */
  private void run(int batch, int sequence, int maskLength, boolean withPast) throws OrtException {
    long tokens = (long) batch * sequence;
    long[] tokenShape = {batch, sequence};
    feed.put("input_ids", longTensor(idsBuffer, tokens, tokenShape));
    feed.put("attention_mask", longTensor(maskBuffer, (long) batch * maskLength, new long[] {batch, maskLength}));
    if (lm.hasPositionIds()) {
      feed.put("position_ids", longTensor(positionsBuffer, tokens, tokenShape));
    }
    if (lm.hasCacheBranch()) {
      feed.put("use_cache_branch", transientTensor(OnnxTensor.createTensor(env, new boolean[] {withPast})));
    }
    if (withPast) {
      cache.feed(feed);
    } else {
      cache.feedEmpty(feed, batch, stepTensors);
    }
    pinned.put("logits", floatTensor(logitsBuffer, tokens * width, new long[] {batch, sequence, width}));
    if (hiddenWidth > 0) {
      pinned.put(lm.hiddenOutput().orElseThrow(),
          floatTensor(hiddenBuffer, tokens * hiddenWidth, new long[] {batch, sequence, hiddenWidth}));
    }
    lastResult = lm.session().run(feed, presents, pinned);
  }

  private void copyHidden(int r, int index) {
    if (hiddenWidth == 0) {
      return;
    }
    if (hidden[r] == null) {
      hidden[r] = new float[hiddenWidth];
    }
    hiddenStates.get(index * hiddenWidth, hidden[r], 0, hiddenWidth);
  }

  /** Feeds the last token of each of {@code fed[0 .. m)}, which just appended one, in one run. */
  private void step(int m) {
    lm.checkOpen();
    int slots = cache.slots();
    if (slotRow.length < Math.max(slots, m)) {
      slotRow = new int[Math.max(Math.max(slots, m), 2 * slotRow.length)];
    }
    Arrays.fill(slotRow, 0, slots, -1);
    boolean reuse = true;
    for (int i = 0; i < m && reuse; i++) {
      int s = slot[fed[i]];
      reuse = slotRow[s] < 0;
      slotRow[s] = fed[i];
    }
    try {
      if (!reuse || slots - m > MAX_DEAD_FRACTION * slots) {
        for (int i = 0; i < m; i++) {
          from[i] = slot[fed[i]];
        }
        cache.gather(from, m);
        slots = m;
        for (int i = 0; i < m; i++) {
          slot[fed[i]] = i;
          slotRow[i] = fed[i];
        }
      }
      int past = cache.pastLength();
      int total = past + 1;
      ensureBuffers(slots, 1, total);
      LongBuffer ids = idsBuffer.clear().asLongBuffer();
      LongBuffer pos = positionsBuffer.clear().asLongBuffer();
      LongBuffer mask = maskBuffer.clear().asLongBuffer();
      for (int s = 0; s < slots; s++) {
        int r = slotRow[s];
        ids.put(s, r >= 0 ? response[r][responseLength[r] - 1] : lm.padTokenId());
        pos.put(s, r >= 0 ? position[r] - 1 : 0);
        int pad = cache.leftPad(s);
        int base = s * total;
        for (int j = 0; j < total; j++) {
          mask.put(base + j, j < pad ? 0 : 1);
        }
      }
      run(slots, 1, total, true);
      cache.adopt(lastResult, slots, cache.leftPads());
      lastResult = null;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed while decoding with " + lm.modelFile() + ": " + e.getMessage(), e);
    } finally {
      closeLastResult();
      closeStepTensors();
    }
    for (int i = 0; i < m; i++) {
      int r = fed[i];
      logitsRow[r] = slot[r];
      copyHidden(r, slot[r]);
    }
  }

  // ---- Tokens ----

  private void prepare(int r) {
    logits.get(logitsRow[r] * width, rowLogits, 0, width);
    sampler.prepare(rowLogits);
  }

  /** Appends a token to live row r; returns whether the model must be fed it. */
  private boolean append(int r, int token) {
    generated++;
    if (endOfSequence[token]) {
      finish[r] = FinishReason.END_OF_SEQUENCE;
      return false;
    }
    if (responseLength[r] == response[r].length) {
      response[r] = Arrays.copyOf(response[r], Math.max(4, 2 * response[r].length));
    }
    response[r][responseLength[r]++] = token;
    position[r]++;
    if (responseLength[r] >= sampling.maxNewTokens() || position[r] >= lm.contextLength()) {
      finish[r] = FinishReason.LENGTH;
    } else if (longestStop > 0 && hitsStopString(r)) {
      finish[r] = FinishReason.STOP_STRING;
    }
    // A finished row is fed its last token only to get the hidden state of its final state.
    return finish[r] == null || hiddenWidth > 0;
  }

  /**
   * Whether the response text of row r, which had no stop string before its last token, has one
   * now. Only a tail of the response is decoded: a new occurrence ends in the last few characters.
   */
  private boolean hitsStopString(int r) {
    int length = responseLength[r];
    int window = Math.min(length, 4 * (longestStop + 1) + STOP_WINDOW_MARGIN);
    while (true) {
      String tail = lm.decode(Arrays.copyOfRange(response[r], length - window, length));
      if (tail.length() >= longestStop + STOP_WINDOW_MARGIN || window == length) {
        for (String stop : sampling.stopStrings()) {
          if (tail.contains(stop)) {
            return true;
          }
        }
        return false;
      }
      window = Math.min(length, 2 * window);
    }
  }

  @Override
  public int size() {
    checkOpen();
    return rows;
  }

  @Override
  public void extend(int maxTokens) {
    checkOpen();
    Preconditions.checkArgument(maxTokens >= 1, "maxTokens must be at least 1, found %s", maxTokens);
    growRowScratch(rows);
    for (int t = 0; t < maxTokens; t++) {
      long t0 = System.nanoTime();
      int m = 0;
      for (int r = 0; r < rows; r++) {
        if (finish[r] == null) {
          prepare(r);
          if (append(r, sampler.draw(random[r]))) {
            fed[m++] = r;
          }
        }
      }
      samplingNanos += System.nanoTime() - t0;
      if (m == 0) {
        return;
      }
      step(m);
    }
  }

  @Override
  public Optional<NextTokenDistribution[]> candidates(int maxCandidates) {
    checkOpen();
    Preconditions.checkArgument(maxCandidates >= 1, "maxCandidates must be at least 1, found %s", maxCandidates);
    long t0 = System.nanoTime();
    NextTokenDistribution[] out = new NextTokenDistribution[rows];
    for (int r = 0; r < rows; r++) {
      if (finish[r] != null) {
        out[r] = new NextTokenDistribution(new int[0], new double[0]);
        continue;
      }
      prepare(r);
      out[r] = sampler.candidates(maxCandidates);
    }
    samplingNanos += System.nanoTime() - t0;
    return Optional.of(out);
  }

  @Override
  public void force(int[] tokens) {
    checkOpen();
    Preconditions.checkArgument(tokens.length == rows, "force needs one token per row: %s rows, %s tokens", rows, tokens.length);
    for (int r = 0; r < rows; r++) {
      if (finish[r] == null) {
        Preconditions.checkArgument(tokens[r] >= 0 && tokens[r] < width, "token %s of row %s is outside [0, %s)",
            tokens[r], r, width);
      }
    }
    growRowScratch(rows);
    int m = 0;
    for (int r = 0; r < rows; r++) {
      if (finish[r] == null && append(r, tokens[r])) {
        fed[m++] = r;
      }
    }
    if (m > 0) {
      step(m);
    }
  }

  @Override
  public void reorder(int[] indices) {
    checkOpen();
    Preconditions.checkArgument(indices.length > 0, "reorder needs at least one row");
    boolean identity = indices.length == rows;
    for (int i = 0; i < indices.length; i++) {
      Preconditions.checkArgument(indices[i] >= 0 && indices[i] < rows, "row %s is outside [0, %s)", indices[i], rows);
      identity &= indices[i] == i;
    }
    if (identity) {
      return;
    }
    int n = indices.length;
    boolean[] taken = new boolean[rows];
    int[] pi = new int[n];
    int[][] resp = new int[n][];
    int[] len = new int[n];
    FinishReason[] fin = new FinishReason[n];
    SplittableRandom[] rnd = new SplittableRandom[n];
    int[] pos = new int[n];
    int[] sl = new int[n];
    int[] lr = new int[n];
    float[][] hid = new float[n][];
    for (int i = 0; i < n; i++) {
      int o = indices[i];
      // The first copy of a row takes its arrays; later copies get their own, since rows grow in place.
      boolean first = !taken[o];
      taken[o] = true;
      pi[i] = promptIndex[o];
      resp[i] = first ? response[o] : response[o].clone();
      len[i] = responseLength[o];
      fin[i] = finish[o];
      rnd[i] = master.split();
      pos[i] = position[o];
      sl[i] = slot[o];
      lr[i] = logitsRow[o];
      hid[i] = hidden[o] == null || first ? hidden[o] : hidden[o].clone();
    }
    rows = n;
    promptIndex = pi;
    response = resp;
    responseLength = len;
    finish = fin;
    random = rnd;
    position = pos;
    slot = sl;
    logitsRow = lr;
    hidden = hid;
  }

  @Override
  public int promptIndex(int row) {
    checkRow(row);
    return promptIndex[row];
  }

  @Override
  public String prompt(int row) {
    return prompts.get(promptIndex(row));
  }

  @Override
  public int[] responseTokens(int row) {
    checkRow(row);
    return Arrays.copyOf(response[row], responseLength[row]);
  }

  @Override
  public int responseLength(int row) {
    checkRow(row);
    return responseLength[row];
  }

  @Override
  public String responseText(int row) {
    return lm.decode(responseTokens(row));
  }

  @Override
  public boolean isFinished(int row) {
    checkRow(row);
    return finish[row] != null;
  }

  @Override
  public Optional<FinishReason> finishReason(int row) {
    checkRow(row);
    return Optional.ofNullable(finish[row]);
  }

  @Override
  public boolean allFinished() {
    checkOpen();
    for (int r = 0; r < rows; r++) {
      if (finish[r] == null) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Optional<float[][]> features() {
    checkOpen();
    if (hiddenWidth == 0) {
      return Optional.empty();
    }
    float[][] out = new float[rows][];
    for (int r = 0; r < rows; r++) {
      out[r] = hidden[r].clone();
    }
    return Optional.of(out);
  }

  @Override
  public long tokensGenerated() {
    checkOpen();
    return generated;
  }

  /**
   * {@inheritDoc} Here: building each row's top-k/top-p distribution, the draw and the row's
   * bookkeeping (end-of-sequence and stop-string checks).
   */
  @Override
  public OptionalLong samplingNanos() {
    checkOpen();
    return OptionalLong.of(samplingNanos);
  }

  /** The number of native KV-cache gathers so far (for tests: reorders are lazy, identities free). */
  long cacheGathers() {
    return cache.gathers();
  }

  /** The number of cache slots (for tests: finished rows leave the batch). */
  int cacheSlots() {
    return cache.slots();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      cache.close();
    } finally {
      for (ByteBuffer b : new ByteBuffer[] {idsBuffer, positionsBuffer, maskBuffer, logitsBuffer, hiddenBuffer}) {
        pool.release(b);
      }
      idsBuffer = positionsBuffer = maskBuffer = logitsBuffer = hiddenBuffer = null;
      logits = null;
      hiddenStates = null;
    }
  }
}
