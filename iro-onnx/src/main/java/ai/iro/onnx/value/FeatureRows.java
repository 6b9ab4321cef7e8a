package ai.iro.onnx.value;

/**
 * The feature rows of a {@link TrainingSet}: on the heap ({@link #inMemory}) or in a disk cache
 * ({@link FeatureCache}). Rows are read one at a time, so that a training run holds only the rows
 * of its current minibatch or evaluation chunk. Closing releases the storage; idempotent.
 */
interface FeatureRows extends AutoCloseable {

  /** The number of rows. */
  int size();

  /**
   * Row {@code i}: either the stored array itself (in memory; do not modify it) or {@code scratch}
   * filled with the row's values. {@code scratch} has the rows' length.
   */
  float[] row(int i, float[] scratch);

  /** Releases the storage (deletes a cache file). */
  @Override
  void close();

  /** Rows held on the heap, shared with the caller, not copied. */
  static FeatureRows inMemory(float[][] rows) {
    return new FeatureRows() {
      @Override
      public int size() {
        return rows.length;
      }

      @Override
      public float[] row(int i, float[] scratch) {
        return rows[i];
      }

      @Override
      public void close() {}
    };
  }
}
