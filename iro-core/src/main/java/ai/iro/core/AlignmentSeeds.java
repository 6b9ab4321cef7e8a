package ai.iro.core;

import ai.iro.core.internal.Seeds;

/**
 * The seeds of an alignment run's random streams, each derived from the run's seed under a domain
 * of its own (the first element of the derivation path), so that no two streams share a seed: a
 * search batch's seed can never equal the trainer's, whatever the batch and iteration numbers.
 */
final class AlignmentSeeds {
  private static final long SEARCH = 0x5EA2C4_0001L;
  private static final long REWEIGHT = 0x5EA2C4_0002L;
  private static final long TRAINING = 0x5EA2C4_0003L;
  private static final long PROMPT_ORDER = 0x5EA2C4_0004L;
  private static final long GENERATE = 0x5EA2C4_0005L;

  private AlignmentSeeds() {}

  /** The seed of search batch {@code batch} of iteration {@code t}. */
  static long search(long seed, int t, int batch) {
    return Seeds.derive(seed, SEARCH, t, batch);
  }

  /** The seed of the reweighting draws of search batch {@code batch} of iteration {@code t}. */
  static long reweight(long seed, int t, int batch) {
    return Seeds.derive(seed, REWEIGHT, t, batch);
  }

  /** The seed of value training in iteration {@code t}. */
  static long training(long seed, int t) {
    return Seeds.derive(seed, TRAINING, t);
  }

  /** The seed of the one shuffle of the dataset before it is cut into fresh slices. */
  static long promptOrder(long seed) {
    return Seeds.derive(seed, PROMPT_ORDER);
  }

  /** The seed of a policy's generation for a list of prompts. */
  static long generate(long seed, int promptsHash) {
    return Seeds.derive(seed, GENERATE, promptsHash);
  }
}
