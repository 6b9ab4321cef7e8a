package ai.iro.onnx.lm;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.NextTokenDistribution;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.lm.internal.TokenSampler;
import com.google.common.base.Preconditions;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The rows of one {@link OnnxCausalLM#open} call: the loop that samples, stops and steps them.
 *
 * <p>Each row ({@link DecodingRows}) points at a slot of the {@link KvCache} and at its next-token
 * logits in the last pass's {@link OutputBuffers}; {@link DecodingPasses} runs the prefill and the
 * steps. {@link #reorder} only remaps rows (forks share a slot); the next step gathers the slots it
 * needs with one native run ({@link StepSlots}). A step feeds one token per slot in one native run
 * ({@link ModelInputs}); a finished row's slot is fed a pad token, whose output is ignored, until
 * finished slots are more than {@link StepSlots#MAX_DEAD_FRACTION} of the batch, when the cache is
 * compacted to the live rows.
 *
 * <p>Prompts of different lengths are left-padded to the longest and the cache is shared, but no
 * step feeds the graph more positions than the model's context: each row ends at the context counting
 * its own tokens ({@link StopRule}, which decides when a row ends), and before a step that would take
 * the shared cache past it, the cache is compacted to the fed rows and the padding they all have is
 * dropped ({@link StepSlots}).
 *
 * <p>When the model keeps decoded states ({@link DecodedStates#enabled()}), the rows record every
 * hidden state they compute, and each finished row's whole path goes to the store when a reorder
 * drops it or the decoding closes, so that value training on the responses needs no second forward
 * pass. Not thread safe.
 */
final class OnnxDecoding implements Decoding {
  private static final Runnable NO_CALLBACK = () -> { };

  private final DecoderRuntime runtime;
  private final DecoderSpec spec;
  private final List<String> prompts;
  private final TokenSampler sampler;
  private final StopRule stop;
  private final DecodingRows rows;
  private final DecodingPasses passes;
  private final int hiddenWidth;
  private final int[][] encoded;
  private final DecodedStates decodedStates;
  /** Names this decoding in the store: a token, not the decoding, which the store must not keep alive. */
  private final Object storeToken = new Object();

  // Per-step scratch, reused.
  private final float[] rowLogits;
  private int[] fed = new int[0];

  private long generated;
  private long samplingNanos;
  private boolean closed;

  OnnxDecoding(DecoderRuntime runtime, List<String> prompts, int[][] encoded, Set<Integer> eosIds, Sampling sampling,
      long seed, HiddenFeatures featureKind, DecodedStates decodedStates) {
    this.runtime = runtime;
    this.encoded = encoded;
    this.decodedStates = decodedStates;
    this.spec = runtime.spec();
    this.prompts = List.copyOf(prompts);
    int width = spec.vocabularySize();
    this.hiddenWidth = spec.hiddenWidth();
    this.sampler = new TokenSampler(sampling, width);
    this.rowLogits = new float[width];
    this.stop = new StopRule(sampling, eosIds, width, spec.contextLength(), runtime::decode);
    int[] lengths = new int[encoded.length];
    for (int r = 0; r < lengths.length; r++) {
      lengths[r] = encoded[r].length;
    }
    this.rows = new DecodingRows(lengths, Math.min(sampling.maxNewTokens(), 16), seed, featureKind);
    // Recording costs rows x tokens x width floats while the decoding runs; pointless if not one
    // response of the longest length could be kept.
    if (decodedStates.enabled() && hiddenWidth > 0 && decodedStates.fits(sampling.maxNewTokens(), hiddenWidth)) {
      rows.startRecording();
    }
    this.passes = new DecodingPasses(runtime, rows);
    try {
      passes.prefill(encoded);
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

  // ---- Tokens ----

  private void prepare(int r) {
    passes.logits(r, rowLogits);
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
        passes.step(fed, m);
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
      passes.step(fed, m);
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
      keepDroppedFinishedRows(indices);
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
    return hiddenWidth == 0 ? Optional.empty() : Optional.of(rows.features());
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
    return passes.cache().gathers();
  }

  /** The number of cache slots (for tests: finished rows leave the batch). */
  int cacheSlots() {
    return passes.cache().slots();
  }

  /** The cache's past length, the positions the last step fed the graph (for tests: never past the context). */
  int cachePastLength() {
    return passes.cache().pastLength();
  }

  /** The number of times the cache dropped padding at the context so far (for tests). */
  long cacheTrims() {
    return passes.cache().trims();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      passes.close();
    } finally {
      keepDecodedStates();
    }
  }

  /** Hands every finished row to the model's store of decoded states. */
  private void keepDecodedStates() {
    if (decodedStates.enabled() && rows.isRecording()) {
      for (int r = 0; r < rows.size(); r++) {
        keepFinished(r);
      }
    }
  }

  /**
   * Hands the finished rows that a reorder to {@code indices} drops to the store: a search takes a
   * row out of the batch once it has finished and joined its prompt's finals (or was turned away).
   */
  private void keepDroppedFinishedRows(int[] indices) {
    if (!decodedStates.enabled() || !rows.isRecording()) {
      return;
    }
    boolean[] kept = new boolean[rows.size()];
    for (int i : indices) {
      kept[i] = true;
    }
    for (int r = 0; r < kept.length; r++) {
      if (!kept[r]) {
        keepFinished(r);
      }
    }
  }

  /**
   * Hands row {@code r} to the store if it has finished (a response, not a prefix a search let go)
   * and all its states were recorded.
   */
  private void keepFinished(int r) {
    if (rows.isFinished(r)) {
      float[][] path = rows.hiddenPath(r);
      if (path != null) {
        decodedStates.put(storeToken, encoded[rows.promptIndex(r)], rows.responseTokens(r), path);
      }
    }
  }
}
