package ai.iro.onnx.lm;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.NextTokenDistribution;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.lm.internal.TokenSampler;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rows of one {@link OnnxCausalLM#open} call: the loop that samples, stops and steps them.
 *
 * <p>Each row ({@link DecodingRows}) points at a slot of the {@link KvCache} and at its next-token
 * logits in the last pass's {@link OutputBuffers}. {@link #reorder} only remaps rows (forks share a
 * slot); the next step gathers the slots it needs with one native run. A step feeds one token per
 * slot in one native run ({@link ModelInputs}); a finished row's slot is fed a pad token, whose output
 * is ignored, until finished slots are more than {@link #MAX_DEAD_FRACTION} of the batch, when the
 * cache is compacted to the live rows. When a row ends is the {@link StopRule}'s call. Not thread
 * safe.
 */
final class OnnxDecoding implements Decoding {
  /** Finished rows may fill at most this fraction of the batch before the cache is compacted. */
  static final double MAX_DEAD_FRACTION = 0.25;

  private static final Runnable NO_CALLBACK = () -> { };
  private static final Logger LOG = LoggerFactory.getLogger(OnnxDecoding.class);

  private final DecoderRuntime runtime;
  private final DecoderSpec spec;
  private final List<String> prompts;
  private final TokenSampler sampler;
  private final StopRule stop;
  private final DecodingRows rows;
  private final KvCache cache;
  private final ModelInputs inputs;
  private final OutputBuffers outputs;
  private final Set<String> presents;
  private final int hiddenWidth;

  // Per-step scratch, reused.
  private final float[] rowLogits;
  private int[] fed = new int[0];
  private int[] from = new int[0];
  private int[] slotRow = new int[0];
  private OrtSession.Result lastResult;

  private long generated;
  private long samplingNanos;
  private boolean closed;

  OnnxDecoding(DecoderRuntime runtime, List<String> prompts, int[][] encoded, Set<Integer> eosIds, Sampling sampling,
      long seed) {
    this.runtime = runtime;
    this.spec = runtime.spec();
    this.prompts = List.copyOf(prompts);
    int width = spec.vocabularySize();
    this.hiddenWidth = spec.hiddenWidth();
    this.sampler = new TokenSampler(sampling, width);
    this.rowLogits = new float[width];
    this.presents = Set.copyOf(spec.presentNames());
    this.stop = new StopRule(sampling, eosIds, width, spec.contextLength(), runtime::decode);
    int[] lengths = new int[encoded.length];
    for (int r = 0; r < lengths.length; r++) {
      lengths[r] = encoded[r].length;
    }
    this.rows = new DecodingRows(lengths, Math.min(sampling.maxNewTokens(), 16), seed);
    this.cache = runtime.newCache();
    this.inputs = runtime.newInputs();
    this.outputs = runtime.newOutputs();
    try {
      prefill(encoded);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("decoding of " + spec.directory() + " is closed");
    }
  }

  private void checkRow(int row) {
    checkOpen();
    if (row < 0 || row >= rows.size()) {
      throw new IndexOutOfBoundsException("row " + row + " is outside [0, " + rows.size() + ")");
    }
  }

  // ---- Forward passes ----

  private void prefill(int[][] encoded) {
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
    }
  }

  /** Feeds the last token of each of {@code fed[0 .. m)}, which just appended one, in one run. */
  private void step(int m) {
    runtime.checkOpen();
    int slots = cache.slots();
    if (slotRow.length < Math.max(slots, m)) {
      slotRow = new int[Math.max(Math.max(slots, m), 2 * slotRow.length)];
    }
    Arrays.fill(slotRow, 0, slots, -1);
    boolean reuse = true;
    for (int i = 0; i < m && reuse; i++) {
      int s = rows.slot(fed[i]);
      reuse = slotRow[s] < 0;
      slotRow[s] = fed[i];
    }
    try {
      if (!reuse || slots - m > MAX_DEAD_FRACTION * slots) {
        for (int i = 0; i < m; i++) {
          from[i] = rows.slot(fed[i]);
        }
        cache.gather(from, m);
        slots = m;
        for (int i = 0; i < m; i++) {
          rows.setSlot(fed[i], i);
          slotRow[i] = fed[i];
        }
      }
      inputs.fillStep(slots, slotRow, rows, cache);
      run();
      cache.adopt(lastResult, slots, cache.leftPads());
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
    }
  }

  // ---- Tokens ----

  private void prepare(int r) {
    outputs.logits(rows.logitsRow(r), rowLogits);
    sampler.prepare(rowLogits);
  }

  /** Appends a token to live row r; returns whether the model must be fed it. */
  private boolean append(int r, int token) {
    generated++;
    if (stop.endsSequence(token)) {
      rows.finish(r, FinishReason.END_OF_SEQUENCE);
      return false;
    }
    rows.append(r, token);
    Optional<FinishReason> end = stop.afterAppend(rows.responseBuffer(r), rows.responseLength(r), rows.position(r));
    if (end.isPresent()) {
      rows.finish(r, end.get());
    }
    // A finished row is fed its last token only to get the hidden state of its final state.
    return end.isEmpty() || hiddenWidth > 0;
  }

  private void growRowScratch(int n) {
    if (fed.length < n) {
      fed = new int[n];
      from = new int[n];
    }
  }

  @Override
  public int size() {
    checkOpen();
    return rows.size();
  }

  @Override
  public void extend(int maxTokens) {
    checkOpen();
    Preconditions.checkArgument(maxTokens >= 1, "maxTokens must be at least 1, found %s", maxTokens);
    if (!rows.allFinished()) {
      extendSeeded(maxTokens, Decoding.streamSeeds(this, rows.nextExtendSeed()), NO_CALLBACK);
    }
  }

  @Override
  public void extend(int maxTokens, long[] streamSeeds) {
    extend(maxTokens, streamSeeds, NO_CALLBACK);
  }

  @Override
  public void extend(int maxTokens, long[] streamSeeds, Runnable afterEachStep) {
    checkOpen();
    Preconditions.checkArgument(maxTokens >= 1, "maxTokens must be at least 1, found %s", maxTokens);
    Preconditions.checkArgument(streamSeeds.length == rows.size(), "streamSeeds has %s entries for %s rows",
        streamSeeds.length, rows.size());
    extendSeeded(maxTokens, streamSeeds, Objects.requireNonNull(afterEachStep, "afterEachStep"));
  }

  private void extendSeeded(int maxTokens, long[] streamSeeds, Runnable afterEachStep) {
    rows.seedStreams(streamSeeds);
    growRowScratch(rows.size());
    for (int t = 0; t < maxTokens; t++) {
      long t0 = System.nanoTime();
      int m = 0;
      for (int r = 0; r < rows.size(); r++) {
        if (!rows.isFinished(r)) {
          prepare(r);
          if (append(r, sampler.draw(rows.random(r)))) {
            fed[m++] = r;
          }
        }
      }
      samplingNanos += System.nanoTime() - t0;
      if (m > 0) {
        step(m);
      }
      afterEachStep.run();
      if (m == 0) {
        return;
      }
    }
  }

  @Override
  public Optional<NextTokenDistribution[]> candidates(int maxCandidates) {
    checkOpen();
    Preconditions.checkArgument(maxCandidates >= 1, "maxCandidates must be at least 1, found %s", maxCandidates);
    long t0 = System.nanoTime();
    NextTokenDistribution[] out = new NextTokenDistribution[rows.size()];
    for (int r = 0; r < out.length; r++) {
      if (rows.isFinished(r)) {
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
    int n = rows.size();
    Preconditions.checkArgument(tokens.length == n, "force needs one token per row: %s rows, %s tokens", n, tokens.length);
    for (int r = 0; r < n; r++) {
      if (!rows.isFinished(r)) {
        Preconditions.checkArgument(tokens[r] >= 0 && tokens[r] < spec.vocabularySize(),
            "token %s of row %s is outside [0, %s)", tokens[r], r, spec.vocabularySize());
      }
    }
    growRowScratch(n);
    int m = 0;
    for (int r = 0; r < n; r++) {
      if (!rows.isFinished(r) && append(r, tokens[r])) {
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
    int n = rows.size();
    Preconditions.checkArgument(indices.length > 0, "reorder needs at least one row");
    boolean identity = indices.length == n;
    for (int i = 0; i < indices.length; i++) {
      Preconditions.checkArgument(indices[i] >= 0 && indices[i] < n, "row %s is outside [0, %s)", indices[i], n);
      identity &= indices[i] == i;
    }
    if (!identity) {
      rows.reorder(indices);
    }
  }

  @Override
  public int promptIndex(int row) {
    checkRow(row);
    return rows.promptIndex(row);
  }

  @Override
  public String prompt(int row) {
    return prompts.get(promptIndex(row));
  }

  @Override
  public int[] responseTokens(int row) {
    checkRow(row);
    return rows.responseTokens(row);
  }

  @Override
  public int responseLength(int row) {
    checkRow(row);
    return rows.responseLength(row);
  }

  @Override
  public String responseText(int row) {
    return runtime.decode(responseTokens(row));
  }

  @Override
  public boolean isFinished(int row) {
    checkRow(row);
    return rows.isFinished(row);
  }

  @Override
  public Optional<FinishReason> finishReason(int row) {
    checkRow(row);
    return rows.finishReason(row);
  }

  @Override
  public boolean allFinished() {
    checkOpen();
    return rows.allFinished();
  }

  @Override
  public Optional<float[][]> features() {
    checkOpen();
    return hiddenWidth == 0 ? Optional.empty() : Optional.of(rows.copyOfHidden());
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
      inputs.close();
      outputs.close();
    }
  }
}
