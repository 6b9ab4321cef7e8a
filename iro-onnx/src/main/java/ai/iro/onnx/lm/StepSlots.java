package ai.iro.onnx.lm;

import ai.onnxruntime.OrtException;
import java.util.Arrays;

/**
 * How {@link OnnxDecoding} lays its {@link KvCache} out before a step: which slot each fed row reads,
 * and whether the cache is gathered first. The cache is used as it is while every fed row reads a
 * slot of its own (forks share one until then), finished rows' slots are at most
 * {@link #MAX_DEAD_FRACTION} of it, and the step fits in the model's context. Otherwise the fed
 * rows' slots are gathered into a cache of exactly those, in the order of the fed rows.
 *
 * <p>The context: all slots advance one position per step, so a slot of a short prompt holds the
 * left padding that lined it up with the longest, and once the longest rows have ended at the
 * context the shared cache would grow past it (a graph with a fixed-size causal-mask buffer or a
 * check of the mask's length refuses that). Before a step whose past length plus its one new position
 * would exceed the context, and only then, the gather also drops the leading positions that are
 * padding in every fed slot ({@link KvCache#gatherDroppingPadding}). Every fed row has fewer real
 * tokens than the context in the cache (a row ends when it reaches it), so afterwards the past is as
 * long as the longest fed row's and the step fits. The next trim waits until that row has reached the
 * context and ended: at most one trim per row that ends at the context, each costing a gather and a
 * slice of the live cache; a decoding that never fills the context never trims, and its numerics are
 * those of a plain decoding.
 *
 * <p>Not thread safe; one instance per decoding.
 */
final class StepSlots {
  /** Finished rows may fill at most this fraction of the batch before the cache is compacted. */
  static final double MAX_DEAD_FRACTION = 0.25;

  private final int contextLength;
  private int[] slotRow = new int[0];
  private int[] from = new int[0];

  /** Slots for a model of {@code contextLength} positions. */
  StepSlots(int contextLength) {
    this.contextLength = contextLength;
  }

  /**
   * Lays the cache out for a step feeding rows {@code fed[0 .. m)}, gathering or trimming it when
   * needed, and points those rows at their slots.
   *
   * @return the number of slots the step feeds; {@link #slotRow()} tells which row each one's is
   */
  int assign(int[] fed, int m, DecodingRows rows, KvCache cache) throws OrtException {
    int slots = cache.slots();
    if (slotRow.length < Math.max(slots, m)) {
      slotRow = new int[Math.max(Math.max(slots, m), 2 * slotRow.length)];
      from = new int[slotRow.length];
    }
    Arrays.fill(slotRow, 0, slots, -1);
    boolean reuse = true;
    for (int i = 0; i < m && reuse; i++) {
      int s = rows.slot(fed[i]);
      reuse = slotRow[s] < 0;
      slotRow[s] = fed[i];
    }
    boolean full = cache.pastLength() + 1 > contextLength;
    if (reuse && !full && slots - m <= MAX_DEAD_FRACTION * slots) {
      return slots;
    }
    int padding = Integer.MAX_VALUE;
    for (int i = 0; i < m; i++) {
      from[i] = rows.slot(fed[i]);
      padding = Math.min(padding, cache.leftPad(from[i]));
    }
    if (full) {
      cache.gatherDroppingPadding(from, m, padding);
    } else {
      cache.gather(from, m);
    }
    for (int i = 0; i < m; i++) {
      rows.setSlot(fed[i], i);
      slotRow[i] = fed[i];
    }
    return m;
  }

  /**
   * The row fed at each slot by the last {@link #assign}, -1 where none is (a finished row's slot,
   * fed a pad token whose output is ignored).
   */
  int[] slotRow() {
    return slotRow;
  }
}
