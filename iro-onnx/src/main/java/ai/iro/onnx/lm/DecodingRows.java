package ai.iro.onnx.lm;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The per-row state of one decoding and its fork and reorder bookkeeping. Each row has its prompt
 * index, its response tokens, its finish reason, its own random stream, its position (prompt and
 * response tokens so far), the {@link KvCache} slot it reads, the index of its next-token logits in
 * the last pass's output, its last hidden state and, when its features pool them
 * ({@link HiddenFeatures#LAST_AND_MEAN}), the sum of the hidden states after each of its response
 * tokens; and, when it records them ({@link #recordHidden}), every hidden state of its path so
 * far, which forks share.
 *
 * <p>Randomness follows {@link Decoding#extend(int)}'s contract: {@link #nextExtendSeed} draws each
 * call's extend seed from the decoding seed's {@link SplittableRandom}, and {@link #seedStreams}
 * gives every row its stream of that call; {@link #reorder} is bookkeeping only. Not thread safe.
 */
final class DecodingRows {
  private final SplittableRandom master;
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
  private final HiddenFeatures featureKind;
  private double[][] hiddenSum;
  private int[] hiddenCount;
  private boolean recording;
  private HiddenPath[] path;

  /**
   * One row per prompt, row {@code r} in cache slot {@code r}.
   *
   * @param promptLengths each prompt's token count as fed
   * @param capacity the initial room for response tokens per row
   * @param seed the decoding's seed
   * @param featureKind which hidden states make the rows' features
   */
  DecodingRows(int[] promptLengths, int capacity, long seed, HiddenFeatures featureKind) {
    this.featureKind = featureKind;
    this.master = new SplittableRandom(seed);
    this.rows = promptLengths.length;
    this.promptIndex = new int[rows];
    this.response = new int[rows][];
    this.responseLength = new int[rows];
    this.finish = new FinishReason[rows];
    this.random = new SplittableRandom[rows];
    this.position = new int[rows];
    this.slot = new int[rows];
    this.logitsRow = new int[rows];
    this.hidden = new float[rows][];
    this.hiddenSum = new double[rows][];
    this.hiddenCount = new int[rows];
    this.path = new HiddenPath[rows];
    for (int r = 0; r < rows; r++) {
      promptIndex[r] = r;
      response[r] = new int[capacity];
      position[r] = promptLengths[r];
      slot[r] = r;
    }
  }

  /** The number of rows. */
  int size() {
    return rows;
  }

  /** The prompt row {@code r} continues. */
  int promptIndex(int r) {
    return promptIndex[r];
  }

  /** A copy of row {@code r}'s response tokens. */
  int[] responseTokens(int r) {
    return Arrays.copyOf(response[r], responseLength[r]);
  }

  /** Row {@code r}'s response tokens in {@code [0, responseLength(r))}, not a copy: do not modify. */
  int[] responseBuffer(int r) {
    return response[r];
  }

  /** The number of response tokens of row {@code r}. */
  int responseLength(int r) {
    return responseLength[r];
  }

  /** The last response token of row {@code r}, which has at least one. */
  int lastToken(int r) {
    return response[r][responseLength[r] - 1];
  }

  /** Row {@code r}'s position count: prompt and response tokens so far. */
  int position(int r) {
    return position[r];
  }

  /** Whether row {@code r} is finished. */
  boolean isFinished(int r) {
    return finish[r] != null;
  }

  /** Why row {@code r} finished, if it did. */
  Optional<FinishReason> finishReason(int r) {
    return Optional.ofNullable(finish[r]);
  }

  /** Whether every row is finished. */
  boolean allFinished() {
    for (int r = 0; r < rows; r++) {
      if (finish[r] == null) {
        return false;
      }
    }
    return true;
  }

  /** The seed of the next call of {@link Decoding#extend(int)} that extends at least one row. */
  long nextExtendSeed() {
    return master.nextInt(Integer.MAX_VALUE);
  }

  /**
   * Gives row {@code r} the stream {@code new SplittableRandom(streamSeeds[r])} for the tokens of
   * the current call; the entries of finished rows are not read.
   */
  void seedStreams(long[] streamSeeds) {
    for (int r = 0; r < rows; r++) {
      random[r] = finish[r] == null ? new SplittableRandom(streamSeeds[r]) : null;
    }
  }

  /** Row {@code r}'s random stream, set by {@link #seedStreams}. */
  SplittableRandom random(int r) {
    return random[r];
  }

  /** The cache slot row {@code r} reads. */
  int slot(int r) {
    return slot[r];
  }

  /** Makes row {@code r} read cache slot {@code s}. */
  void setSlot(int r, int s) {
    slot[r] = s;
  }

  /** The index of row {@code r}'s next-token logits in the last pass's output. */
  int logitsRow(int r) {
    return logitsRow[r];
  }

  /**
   * Makes row {@code r}'s next-token logits (and hidden state) those of token {@code index} of the
   * last pass's output.
   */
  void setLogitsRow(int r, int index) {
    logitsRow[r] = index;
  }

  /** Row {@code r}'s hidden-state array of {@code width} values, made on first use, to write into. */
  float[] hidden(int r, int width) {
    if (hidden[r] == null) {
      hidden[r] = new float[width];
    }
    return hidden[r];
  }

  /**
   * Adds row {@code r}'s hidden state, just written after one of its response tokens, to its sum of
   * them, when the features pool them; else nothing.
   */
  void poolHidden(int r) {
    if (!featureKind.pools()) {
      return;
    }
    if (hiddenSum[r] == null) {
      hiddenSum[r] = new double[hidden[r].length];
    }
    HiddenFeatures.add(hiddenSum[r], hidden[r]);
    hiddenCount[r]++;
  }

  /**
   * From now on, keep every hidden state written ({@link #recordHidden}), so that
   * {@link #hiddenPath} can give a row's whole path.
   */
  void startRecording() {
    recording = true;
  }

  /** Whether {@link #startRecording} was called. */
  boolean isRecording() {
    return recording;
  }

  /**
   * Appends row {@code r}'s hidden state, just written after its prompt or one of its response
   * tokens, to its recorded path, when recording; else nothing.
   */
  void recordHidden(int r) {
    if (recording) {
      path[r] = new HiddenPath(hidden[r].clone(), path[r]);
    }
  }

  /**
   * Row {@code r}'s recorded hidden states, after its prompt and after each of its response tokens,
   * new arrays (forks share the recorded ones), or null when they were not all recorded.
   */
  float[][] hiddenPath(int r) {
    int n = responseLength[r] + 1;
    if (path[r] == null || path[r].length != n) {
      return null;
    }
    float[][] out = new float[n][];
    HiddenPath p = path[r];
    for (int j = n - 1; j >= 0; j--, p = p.parent) {
      out[j] = p.hidden.clone();
    }
    return out;
  }

  /** Every row's features, new arrays: its hidden state, pooled as the kind says; each row must have one. */
  float[][] features() {
    float[][] out = new float[rows][];
    for (int r = 0; r < rows; r++) {
      out[r] = featureKind.of(hidden[r], hiddenSum[r], hiddenCount[r]);
    }
    return out;
  }

  /** Appends {@code token} to live row {@code r}, one position further. */
  void append(int r, int token) {
    if (responseLength[r] == response[r].length) {
      response[r] = Arrays.copyOf(response[r], Math.max(4, 2 * response[r].length));
    }
    response[r][responseLength[r]++] = token;
    position[r]++;
  }

  /** Marks row {@code r} finished. */
  void finish(int r, FinishReason reason) {
    finish[r] = reason;
  }

  /**
   * Makes row {@code i} a copy of old row {@code indices[i]}, repeats allowed. The rows only
   * remap: copies share their cache slot; streams are set again by the next {@link #seedStreams}.
   */
  void reorder(int[] indices) {
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
    double[][] sums = new double[n][];
    int[] counts = new int[n];
    HiddenPath[] paths = new HiddenPath[n];
    for (int i = 0; i < n; i++) {
      int o = indices[i];
      // The first copy of a row takes its arrays; later copies get their own, since rows grow in place.
      boolean first = !taken[o];
      taken[o] = true;
      pi[i] = promptIndex[o];
      resp[i] = first ? response[o] : response[o].clone();
      len[i] = responseLength[o];
      fin[i] = finish[o];
      rnd[i] = random[o];
      pos[i] = position[o];
      sl[i] = slot[o];
      lr[i] = logitsRow[o];
      hid[i] = hidden[o] == null || first ? hidden[o] : hidden[o].clone();
      sums[i] = hiddenSum[o] == null || first ? hiddenSum[o] : hiddenSum[o].clone();
      counts[i] = hiddenCount[o];
      paths[i] = path[o];
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
    hiddenSum = sums;
    hiddenCount = counts;
    path = paths;
  }

  /** A recorded hidden state and the path before it; immutable, so forks share their past. */
  private static final class HiddenPath {
    final float[] hidden;
    final HiddenPath parent;
    final int length;

    HiddenPath(float[] hidden, HiddenPath parent) {
      this.hidden = hidden;
      this.parent = parent;
      this.length = parent == null ? 1 : parent.length + 1;
    }
  }
}
