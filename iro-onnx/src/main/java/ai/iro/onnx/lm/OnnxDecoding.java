package ai.iro.onnx.lm;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.model.TokenCandidates;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.common.base.Preconditions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The rows of one {@link OnnxCausalLM#open} call. The KV cache lives in ONNX Runtime tensors, one
 * pair per layer, with one cache slot per row that still needs it; {@link #reorder} only remaps rows
 * to slots, and the next forward pass gathers the slots it needs in one copy per tensor. Finished
 * rows leave the cache. Not thread safe.
 */
final class OnnxDecoding implements Decoding {
  private final OnnxCausalLM lm;
  private final OrtEnvironment env;
  private final List<String> prompts;
  private final Sampling sampling;
  private final SplittableRandom master;
  private final TokenSampler sampler;
  private final int width;

  // Per row.
  private int rows;
  private int[] promptIndex;
  private int[][] response;
  private int[] responseLength;
  private FinishReason[] finish;
  private SplittableRandom[] random;
  private int[] position;
  private int[] slot;
  private float[][] nextLogits;
  private float[][] hidden;

  // The cache: slot s holds attention mask mask[s] and rows s of every key/value tensor.
  private int slots;
  private int pastLength;
  private long[][] mask;
  private OnnxTensor[] keys;
  private OnnxTensor[] values;
  private final List<AutoCloseable> cacheOwners = new ArrayList<>();

  private long generated;
  private boolean closed;

  OnnxDecoding(OnnxCausalLM lm, List<String> prompts, int[][] encoded, Sampling sampling, long seed) {
    this.lm = lm;
    this.env = OrtRuntime.environment();
    this.prompts = List.copyOf(prompts);
    this.sampling = sampling;
    this.master = new SplittableRandom(seed);
    this.width = lm.vocabularySize();
    this.sampler = new TokenSampler(sampling, width);
    this.rows = encoded.length;
    this.promptIndex = new int[rows];
    this.response = new int[rows][];
    this.responseLength = new int[rows];
    this.finish = new FinishReason[rows];
    this.random = new SplittableRandom[rows];
    this.position = new int[rows];
    this.slot = new int[rows];
    this.nextLogits = new float[rows][];
    this.hidden = new float[rows][];
    for (int r = 0; r < rows; r++) {
      promptIndex[r] = r;
      response[r] = new int[Math.min(sampling.maxNewTokens(), 16)];
      random[r] = master.split();
      position[r] = encoded[r].length;
      slot[r] = r;
    }
    this.keys = new OnnxTensor[lm.layers()];
    this.values = new OnnxTensor[lm.layers()];
    try {
      prefill(encoded);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("decoding is closed");
    }
  }

  private void prefill(int[][] encoded) {
    int n = encoded.length;
    int longest = 0;
    for (int[] e : encoded) {
      longest = Math.max(longest, e.length);
    }
    long[] ids = new long[n * longest];
    long[] pos = new long[n * longest];
    mask = new long[n][longest];
    for (int r = 0; r < n; r++) {
      int pad = longest - encoded[r].length;
      for (int j = 0; j < longest; j++) {
        boolean real = j >= pad;
        ids[r * longest + j] = real ? encoded[r][j - pad] : lm.padTokenId();
        mask[r][j] = real ? 1 : 0;
        pos[r * longest + j] = real ? j - pad : 0;
      }
    }
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      long[] shape = {n, longest};
      feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
      feed.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(flatten(mask, n, longest)), shape));
      if (lm.hasPositionIds()) {
        feed.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(pos), shape));
      }
      lm.addEmptyPast(env, feed, n);
      int[] all = new int[n];
      for (int r = 0; r < n; r++) {
        all[r] = r;
      }
      run(feed, all, longest);
      slots = n;
      pastLength = longest;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on the prompts of " + lm.modelFile() + ": " + e.getMessage(), e);
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  private static long[] flatten(long[][] m, int n, int len) {
    long[] out = new long[n * len];
    for (int r = 0; r < n; r++) {
      System.arraycopy(m[r], 0, out, r * len, len);
    }
    return out;
  }

  /**
   * Runs the graph on the feed; rows {@code fed[i]} are batch row i. Takes the logits and hidden
   * state at the last position, and keeps the presents as the new cache.
   */
  private void run(Map<String, OnnxTensor> feed, int[] fed, int sequence) throws OrtException {
    OrtSession.Result result = lm.session().run(feed);
    boolean kept = false;
    try {
      float[] logits = OnnxCausalLM.floats((OnnxTensor) result.get("logits").orElseThrow());
      int logitsWidth = logits.length / (fed.length * sequence);
      if (logitsWidth != width) {
        throw new IllegalStateException("logits of " + lm.modelFile() + " are " + logitsWidth + " wide, expected " + width);
      }
      float[] h = null;
      int hw = 0;
      if (lm.hiddenOutput().isPresent()) {
        h = OnnxCausalLM.floats((OnnxTensor) result.get(lm.hiddenOutput().get()).orElseThrow());
        hw = h.length / (fed.length * sequence);
      }
      for (int i = 0; i < fed.length; i++) {
        int r = fed[i];
        int last = i * sequence + sequence - 1;
        nextLogits[r] = Arrays.copyOfRange(logits, last * width, (last + 1) * width);
        if (h != null) {
          hidden[r] = Arrays.copyOfRange(h, last * hw, (last + 1) * hw);
        }
        slot[r] = i;
      }
      releaseCache();
      for (int l = 0; l < keys.length; l++) {
        keys[l] = present(result, "present." + l + ".key");
        values[l] = present(result, "present." + l + ".value");
      }
      cacheOwners.add(result);
      kept = true;
    } finally {
      if (!kept) {
        result.close();
      }
    }
  }

  private OnnxTensor present(OrtSession.Result result, String name) {
    return (OnnxTensor) result.get(name).orElseThrow(() ->
        new IllegalStateException(lm.modelFile() + " has no output " + name + "; expected present.{i}.key/value"));
  }

  private void releaseCache() {
    for (AutoCloseable c : cacheOwners) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot free KV cache tensors", e);
      }
    }
    cacheOwners.clear();
    Arrays.fill(keys, null);
    Arrays.fill(values, null);
  }

  /** Makes cache slot i hold the cache of row {@code rowsNeeded[i]}, copying once per tensor. */
  private void gather(int[] rowsNeeded) throws OrtException {
    int[] from = new int[rowsNeeded.length];
    boolean identity = rowsNeeded.length == slots;
    for (int i = 0; i < rowsNeeded.length; i++) {
      from[i] = slot[rowsNeeded[i]];
      identity &= from[i] == i;
    }
    if (identity) {
      return;
    }
    int block = lm.keyValueHeads() * pastLength * lm.headSize();
    long[] shape = {rowsNeeded.length, lm.keyValueHeads(), pastLength, lm.headSize()};
    OnnxTensor[] newKeys = new OnnxTensor[keys.length];
    OnnxTensor[] newValues = new OnnxTensor[values.length];
    List<AutoCloseable> owners = new ArrayList<>();
    for (int l = 0; l < keys.length; l++) {
      newKeys[l] = gatherTensor(keys[l], from, block, shape);
      owners.add(newKeys[l]);
      newValues[l] = gatherTensor(values[l], from, block, shape);
      owners.add(newValues[l]);
    }
    long[][] newMask = new long[rowsNeeded.length][];
    for (int i = 0; i < rowsNeeded.length; i++) {
      newMask[i] = mask[from[i]];
    }
    releaseCache();
    keys = newKeys;
    values = newValues;
    cacheOwners.addAll(owners);
    mask = newMask;
    slots = rowsNeeded.length;
    for (int i = 0; i < rowsNeeded.length; i++) {
      slot[rowsNeeded[i]] = i;
    }
  }

  private OnnxTensor gatherTensor(OnnxTensor source, int[] from, int block, long[] shape) throws OrtException {
    FloatBuffer src = source.getFloatBuffer();
    FloatBuffer dst = ByteBuffer.allocateDirect(from.length * block * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (int i = 0; i < from.length; i++) {
      FloatBuffer view = src.duplicate();
      view.position(from[i] * block).limit(from[i] * block + block);
      dst.put(view);
    }
    dst.rewind();
    return OnnxTensor.createTensor(env, dst, shape);
  }

  /** Feeds one new token for each of {@code fed} (rows that just appended one). */
  private void step(int[] fed) {
    try {
      gather(fed);
      int n = fed.length;
      int total = pastLength + 1;
      long[] ids = new long[n];
      long[] pos = new long[n];
      long[] m = new long[n * total];
      long[][] newMask = new long[n][];
      for (int i = 0; i < n; i++) {
        int r = fed[i];
        ids[i] = response[r][responseLength[r] - 1];
        pos[i] = position[r] - 1;
        newMask[i] = Arrays.copyOf(mask[i], total);
        newMask[i][pastLength] = 1;
        System.arraycopy(newMask[i], 0, m, i * total, total);
      }
      Map<String, OnnxTensor> feed = new HashMap<>();
      try {
        feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {n, 1}));
        feed.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(m), new long[] {n, total}));
        if (lm.hasPositionIds()) {
          feed.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(pos), new long[] {n, 1}));
        }
        if (lm.hasCacheBranch()) {
          feed.put("use_cache_branch", OnnxTensor.createTensor(env, new boolean[] {true}));
        }
        Map<String, OnnxTensor> all = new HashMap<>(feed);
        for (int l = 0; l < keys.length; l++) {
          all.put("past_key_values." + l + ".key", keys[l]);
          all.put("past_key_values." + l + ".value", values[l]);
        }
        run(all, fed, 1);
        mask = newMask;
        slots = n;
        pastLength = total;
      } finally {
        feed.values().forEach(OnnxTensor::close);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed while decoding with " + lm.modelFile() + ": " + e.getMessage(), e);
    }
  }

  /** Appends a token to live row r; returns whether the model must be fed the token. */
  private boolean append(int r, int token) {
    generated++;
    if (lm.eosTokenIds().contains(token)) {
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
    } else if (!sampling.stopStrings().isEmpty()) {
      String text = responseText(r);
      for (String stop : sampling.stopStrings()) {
        if (text.contains(stop)) {
          finish[r] = FinishReason.STOP_STRING;
          break;
        }
      }
    }
    return true;
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
    int[] fed = new int[rows];
    for (int t = 0; t < maxTokens; t++) {
      int n = 0;
      for (int r = 0; r < rows; r++) {
        if (finish[r] == null) {
          sampler.prepare(nextLogits[r]);
          if (append(r, sampler.draw(random[r]))) {
            fed[n++] = r;
          }
        }
      }
      if (n == 0) {
        return;
      }
      step(Arrays.copyOf(fed, n));
    }
  }

  @Override
  public Optional<TokenCandidates[]> candidates(int maxCandidates) {
    checkOpen();
    Preconditions.checkArgument(maxCandidates >= 1, "maxCandidates must be at least 1, found %s", maxCandidates);
    TokenCandidates[] out = new TokenCandidates[rows];
    for (int r = 0; r < rows; r++) {
      if (finish[r] != null) {
        out[r] = new TokenCandidates(new int[0], new double[0]);
        continue;
      }
      sampler.prepare(nextLogits[r]);
      int n = Math.min(maxCandidates, sampler.size);
      int[] tokens = new int[n];
      double[] logProbs = new double[n];
      for (int i = 0; i < n; i++) {
        tokens[i] = sampler.token(i);
        logProbs[i] = Math.log(sampler.probability(i));
      }
      out[r] = new TokenCandidates(tokens, logProbs);
    }
    return Optional.of(out);
  }

  @Override
  public void force(int[] tokens) {
    checkOpen();
    Preconditions.checkArgument(tokens.length == rows, "force needs one token per row: %s rows, %s tokens", rows, tokens.length);
    int[] fed = new int[rows];
    int n = 0;
    for (int r = 0; r < rows; r++) {
      if (finish[r] == null) {
        Preconditions.checkArgument(tokens[r] >= 0 && tokens[r] < width, "token %s of row %s is outside [0, %s)", tokens[r], r, width);
        if (append(r, tokens[r])) {
          fed[n++] = r;
        }
      }
    }
    if (n > 0) {
      step(Arrays.copyOf(fed, n));
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
    int[] pi = new int[n];
    int[][] resp = new int[n][];
    int[] len = new int[n];
    FinishReason[] fin = new FinishReason[n];
    SplittableRandom[] rnd = new SplittableRandom[n];
    int[] pos = new int[n];
    int[] sl = new int[n];
    float[][] logits = new float[n][];
    float[][] hid = new float[n][];
    for (int i = 0; i < n; i++) {
      int o = indices[i];
      pi[i] = promptIndex[o];
      resp[i] = response[o].clone();
      len[i] = responseLength[o];
      fin[i] = finish[o];
      rnd[i] = master.split();
      pos[i] = position[o];
      sl[i] = slot[o];
      logits[i] = nextLogits[o];
      hid[i] = hidden[o];
    }
    rows = n;
    promptIndex = pi;
    response = resp;
    responseLength = len;
    finish = fin;
    random = rnd;
    position = pos;
    slot = sl;
    nextLogits = logits;
    hidden = hid;
  }

  @Override
  public int promptIndex(int row) {
    checkOpen();
    return promptIndex[row];
  }

  @Override
  public String prompt(int row) {
    return prompts.get(promptIndex(row));
  }

  @Override
  public int[] responseTokens(int row) {
    checkOpen();
    return Arrays.copyOf(response[row], responseLength[row]);
  }

  @Override
  public int responseLength(int row) {
    checkOpen();
    return responseLength[row];
  }

  @Override
  public String responseText(int row) {
    return lm.decode(responseTokens(row));
  }

  @Override
  public boolean isFinished(int row) {
    checkOpen();
    return finish[row] != null;
  }

  @Override
  public Optional<FinishReason> finishReason(int row) {
    checkOpen();
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
    if (lm.hiddenOutput().isEmpty()) {
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
    return generated;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      releaseCache();
    }
  }
}
