package ai.iro.core.model;

import java.util.List;

/**
 * A frozen autoregressive language model that can only be sampled: the pi_0 that IRO aligns
 * without touching its weights.
 *
 * <p>All decoding happens in a {@link Decoding}, a batch of rows opened by {@link #open}. A row
 * keeps its decoding state between calls (a local model keeps a KV cache per row; a remote model
 * remembers text and resends it), so a search can extend rows chunk by chunk, and fork or reorder
 * rows with one call, without recomputing prefixes.
 *
 * <pre>{@code
 * try (Decoding d = model.open(List.of("In the beginning"), Sampling.defaults(), 42L)) {
 *   d.reorder(new int[] {0, 0, 0, 0});     // four rows share the prompt's state
 *   d.extend(16);                           // every live row grows by up to 16 tokens
 *   String text = d.responseText(2);
 * }
 * }</pre>
 *
 * <p>Implementations document their thread safety; a {@code Decoding} is used by one thread.
 */
public interface BaseModel {

  /**
   * Opens a batch with one row per prompt, in order, each with an empty response.
   *
   * @param prompts the prompts, at least one
   * @param sampling how tokens are sampled and when rows finish
   * @param seed the seed of this batch's randomness; the same seed and the same calls give the
   *     same tokens
   * @return a new batch that the caller must close
   * @throws IllegalArgumentException if a prompt cannot be encoded or is longer than the model's
   *     context
   */
  Decoding open(List<String> prompts, Sampling sampling, long seed);

  /** Turns response token ids into text, as {@link Decoding#responseText} does. */
  String decode(int[] tokens);
}
