package ai.iro.core.internal;

/** Deterministic seed derivation: independent-looking streams from a seed and a path of indices. */
public final class Seeds {
  private Seeds() {}

  /** SplitMix64's finaliser, a bijective mix of 64 bits. */
  public static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Derives a child seed from a seed and the indices that name the child. */
  public static long derive(long seed, long... path) {
    long z = mix(seed + 0x9e3779b97f4a7c15L);
    for (long p : path) {
      z = mix(z ^ mix(p + 0x632be59bd9b4e019L));
    }
    return z;
  }
}
