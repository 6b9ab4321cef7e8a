package ai.iro.bench;

/**
 * The memory-bandwidth roofline of single-row decoding: every new token reads every weight once, so
 * no decoder can produce more than {@code bandwidth / weightBytes} tokens per second per row,
 * whatever its arithmetic. Immutable.
 *
 * <pre>{@code
 * Roofline r = new Roofline(497_759_232L, 12.0e9);   // GPT-2 small fp32, 12 GB/s
 * r.tokensPerSecond();                              // 24.1
 * r.fraction(20.0);                                 // 0.83 of the roofline
 * }</pre>
 *
 * @param weightBytes the bytes of weights read per decoded token, positive
 * @param bandwidthBytesPerSecond the measured memory bandwidth, positive and finite
 */
public record Roofline(long weightBytes, double bandwidthBytesPerSecond) {
  /** Validates the fields. */
  public Roofline {
    if (weightBytes <= 0) {
      throw new IllegalArgumentException("weightBytes must be positive, found " + weightBytes);
    }
    if (!(bandwidthBytesPerSecond > 0) || Double.isInfinite(bandwidthBytesPerSecond)) {
      throw new IllegalArgumentException("bandwidthBytesPerSecond must be positive and finite, found "
          + bandwidthBytesPerSecond);
    }
  }

  /** The most tokens per second one row can be decoded at: bandwidth over weight bytes. */
  public double tokensPerSecond() {
    return bandwidthBytesPerSecond / weightBytes;
  }

  /**
   * The fraction of the roofline that a measured single-row rate reaches.
   *
   * @param measuredTokensPerSecond tokens per second of one row, non-negative and finite
   */
  public double fraction(double measuredTokensPerSecond) {
    if (!(measuredTokensPerSecond >= 0) || Double.isInfinite(measuredTokensPerSecond)) {
      throw new IllegalArgumentException("measuredTokensPerSecond must be non-negative and finite, found "
          + measuredTokensPerSecond);
    }
    return measuredTokensPerSecond / tokensPerSecond();
  }
}
