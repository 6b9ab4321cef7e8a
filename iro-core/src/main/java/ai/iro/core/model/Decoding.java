package ai.iro.core.model;

import ai.iro.core.internal.Seeds;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A batch of rows being decoded by a {@link BaseModel}: one prompt plus a growing response per row.
 *
 * <p>Rows are addressed by index {@code 0 .. size() - 1}. {@link #reorder} replaces the rows by a
 * selection of them (repeats allowed), which is how a search keeps survivors and forks each into
 * children; a local model gathers its cache rows instead of re-encoding prefixes. Finished rows
 * stay in the batch, unchanged, and cost no compute where the implementation can avoid it.
 *
 * <p>Not thread safe. Close it to free the model's state; closing twice is harmless, any other
 * use after close throws {@link IllegalStateException}.
 */
public interface Decoding extends AutoCloseable {

  /** The number of rows. */
  int size();

  /**
   * Extends every unfinished row by up to {@code maxTokens} sampled tokens, in batched calls. A
   * row stops early when it finishes.
   *
   * <p>Randomness contract of the library's decodings, local and remote, so that the same seed
   * gives the same tokens whether the model runs in this JVM or behind {@code iro serve}: a call
   * that finds at least one unfinished row draws its <em>extend seed</em> {@code e} as
   * {@code random.nextInt(Integer.MAX_VALUE)} from one {@link java.util.SplittableRandom} created
   * from the batch seed of {@link BaseModel#open} (a call on a finished batch draws nothing); the
   * {@code k}-th unfinished row, in row order, then samples this call's tokens from
   * {@code new SplittableRandom(streamSeed(e, k))} ({@link #streamSeeds}). A remote model sends
   * {@code e} as the request's {@code seed} with those rows in that order; the server samples its
   * {@code k}-th row with the same stream ({@link #extend(int, long[])}).
   *
   * @param maxTokens at least 1
   */
  void extend(int maxTokens);

  /**
   * Extends like {@link #extend(int)}, but row {@code r} (if unfinished) samples from
   * {@code new SplittableRandom(streamSeeds[r])} instead of a stream derived from the batch seed;
   * entries of finished rows are ignored. This is how a server reproduces a client's randomness, and
   * how rows of concurrent requests, each with its own seed, share one batched decoding.
   *
   * @param maxTokens at least 1
   * @param streamSeeds one seed per row
   * @throws UnsupportedOperationException if the model cannot seed rows one by one (the default)
   * @throws IllegalArgumentException if {@code streamSeeds.length != size()}
   */
  default void extend(int maxTokens, long[] streamSeeds) {
    throw new UnsupportedOperationException(getClass().getName() + " cannot seed rows one by one");
  }

  /**
   * Extends exactly like {@link #extend(int, long[])}, and runs {@code afterEachStep} on this thread
   * as the rows grow, so that a caller can read their texts while they are decoded (a server
   * streaming them). The callback may read this decoding but must not change it; it does not change
   * which tokens are drawn. A model that decodes token by token calls it after every token of the
   * live rows; the default extends in one call and then runs it once.
   *
   * @param maxTokens at least 1
   * @param streamSeeds one seed per row
   * @param afterEachStep run after each step, on the calling thread
   * @throws UnsupportedOperationException if the model cannot seed rows one by one
   * @throws IllegalArgumentException if {@code streamSeeds.length != size()}
   */
  default void extend(int maxTokens, long[] streamSeeds, Runnable afterEachStep) {
    extend(maxTokens, streamSeeds);
    afterEachStep.run();
  }

  /**
   * The seed of the random stream of the {@code k}-th unfinished row of a call of
   * {@link #extend(int)} whose extend seed is {@code extendSeed}.
   */
  static long streamSeed(long extendSeed, int k) {
    return Seeds.derive(extendSeed, k);
  }

  /**
   * The stream seeds of {@link #extend(int, long[])} that reproduce a call of {@link #extend(int)}
   * with extend seed {@code extendSeed} on {@code decoding}'s current rows: the {@code k}-th
   * unfinished row gets {@link #streamSeed streamSeed(extendSeed, k)}; finished rows get 0.
   */
  static long[] streamSeeds(Decoding decoding, long extendSeed) {
    long[] seeds = new long[decoding.size()];
    int k = 0;
    for (int r = 0; r < seeds.length; r++) {
      if (!decoding.isFinished(r)) {
        seeds[r] = streamSeed(extendSeed, k++);
      }
    }
    return seeds;
  }

  /**
   * Replaces the rows by {@code rows[0], rows[1], ...} of the current rows. Repeated indices fork
   * a row: the copies share its state and continue independently (see {@link #extend(int)} for
   * their random streams).
   *
   * @param rows indices of current rows, at least one
   * @throws IllegalArgumentException if an index is out of range
   */
  void reorder(int[] rows);

  /** The index, in the prompts given to {@link BaseModel#open}, of the prompt of {@code row}. */
  int promptIndex(int row);

  /** The prompt of {@code row}. */
  String prompt(int row);

  /** A copy of the response token ids of {@code row}. */
  int[] responseTokens(int row);

  /** The number of response tokens of {@code row}. */
  int responseLength(int row);

  /** The decoded response text of {@code row}. */
  String responseText(int row);

  /** Whether {@code row} has finished. */
  boolean isFinished(int row);

  /** Why {@code row} finished, or empty while it is live. */
  Optional<FinishReason> finishReason(int row);

  /** True when every row has finished. */
  boolean allFinished();

  /**
   * Per-row features of the current states for value functions, such as the model's last hidden
   * state at the last token, one array per row; empty when the model has none.
   */
  Optional<float[][]> features();

  /**
   * The next-token candidates of every row under this batch's sampling distribution, at most
   * {@code maxCandidates} per row, most likely first; an empty {@code NextTokenDistribution} for a finished
   * row. Empty when the model cannot expose its distribution (a remote model that only samples).
   * Used by exact token-level guided decoding.
   */
  default Optional<NextTokenDistribution[]> candidates(int maxCandidates) {
    return Optional.empty();
  }

  /**
   * Appends the given token to each unfinished row (one per row; the entry of a finished row is
   * ignored), updating finish state as sampling would.
   *
   * @throws UnsupportedOperationException if the model only samples
   */
  default void force(int[] tokens) {
    throw new UnsupportedOperationException(getClass().getName() + " cannot append chosen tokens");
  }

  /** The total number of tokens this batch has sampled or appended so far. */
  long tokensGenerated();

  /**
   * The wall time this decoding has spent choosing tokens from the model's outputs (turning logits
   * into a distribution and drawing, or listing candidates), in nanoseconds, when it measures it;
   * the rest of {@link #extend} is the model's forward passes. Empty by default.
   */
  default OptionalLong samplingNanos() {
    return OptionalLong.empty();
  }

  /** Frees the model state of this batch. Idempotent. */
  @Override
  void close();
}
