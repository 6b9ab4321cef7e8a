package ai.iro.onnx.value;

import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.ValueExample;
import com.google.common.base.Preconditions;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The states a head trains on: one feature row and target per state, and the group of each state
 * (its example), so that a held-out split never puts the prefixes of one response on both sides.
 * The rows are a {@link FeatureRows}: in memory (shared with the caller, not copied; nothing here
 * modifies them) or in a disk cache that {@link #close} deletes.
 */
final class TrainingSet implements AutoCloseable {
  private final FeatureRows rows;
  private final double[] targets;
  private final double[] weights;
  private final int[] groups;
  private final int groupCount;

  /**
   * @param rows the states' feature rows, adopted: closing the set closes them
   * @param weights each state's loss weight, or {@code null} for all 1
   * @param groups each state's group (example), in {@code [0, groupCount)}
   */
  TrainingSet(FeatureRows rows, double[] targets, double[] weights, int[] groups, int groupCount) {
    this.rows = rows;
    this.targets = targets;
    this.weights = weights;
    this.groups = groups;
    this.groupCount = groupCount;
  }

  /**
   * Every prefix state of every example, with the example's prefix target ({@link
   * ValueExample#target(int)}) and weight, held in memory: the features of the examples' prefixes
   * come from one {@link FeatureSource#prefixFeatures} call.
   *
   * @throws IllegalArgumentException if there are no examples, or BCE targets outside [0, 1]
   * @throws IllegalStateException if the source returns prefix features of the wrong shape
   */
  static TrainingSet ofExamples(FeatureSource source, List<ValueExample> examples, Loss loss) {
    return ExampleStates.load(source, examples, loss, ExampleStates.Options.IN_MEMORY);
  }

  /**
   * Feature rows as they are, each row its own state and its own group.
   *
   * @throws IllegalArgumentException if the rows or targets are empty, of mismatched lengths or not
   *     finite, or BCE targets lie outside [0, 1]
   */
  static TrainingSet ofRows(FeatureSource source, float[][] rows, double[] targets, Loss loss) {
    Preconditions.checkArgument(rows.length > 0, "features must not be empty");
    Preconditions.checkArgument(rows.length == targets.length, "features has %s rows but targets has %s values",
        rows.length, targets.length);
    int[] groups = new int[rows.length];
    Arrays.setAll(groups, i -> i);
    return checked(source, rows, new TrainingSet(FeatureRows.inMemory(rows), targets, null, groups, rows.length), loss);
  }

  private static TrainingSet checked(FeatureSource source, float[][] rows, TrainingSet set, Loss loss) {
    for (int i = 0; i < rows.length; i++) {
      checkRow(source, rows[i], i);
      checkTarget(set.targets[i], i, loss);
    }
    return set;
  }

  /**
   * Checks state {@code i}'s feature row: {@code source.dimension()} finite values.
   *
   * @throws IllegalArgumentException if it is not
   */
  static void checkRow(FeatureSource source, float[] row, int i) {
    int d = source.dimension();
    Objects.requireNonNull(row, "features row");
    if (row.length != d) {
      throw new IllegalArgumentException("feature row " + i + " has " + row.length + " values, expected "
          + d + " for " + source.id());
    }
    for (int j = 0; j < d; j++) {
      if (!Float.isFinite(row[j])) {
        throw new IllegalArgumentException("feature row " + i + " holds " + row[j] + " at " + j
            + "; features must be finite");
      }
    }
  }

  /**
   * Checks state {@code i}'s target: finite, and in [0, 1] for BCE.
   *
   * @throws IllegalArgumentException if it is not
   */
  static void checkTarget(double y, int i, Loss loss) {
    if (!Double.isFinite(y)) {
      throw new IllegalArgumentException("target " + i + " is " + y + "; targets must be finite");
    }
    if (loss == Loss.BCE) {
      checkBceTarget(y, "target " + i);
    }
  }

  static void checkBceTarget(double target, String what) {
    if (!(target >= 0 && target <= 1)) {
      throw new IllegalArgumentException("BCE loss needs targets in [0, 1], but " + what + " is " + target
          + "; rescale the rewards or use Loss.MSE");
    }
  }

  /** The number of states. */
  int size() {
    return targets.length;
  }

  /**
   * The feature row of state {@code i}: the stored row (do not modify it) or {@code scratch}, of the
   * rows' length, filled with it.
   */
  float[] row(int i, float[] scratch) {
    return rows.row(i, scratch);
  }

  /** Releases the feature rows (deletes a disk cache); idempotent. */
  @Override
  public void close() {
    rows.close();
  }

  /** The target of state {@code i}. */
  double target(int i) {
    return targets[i];
  }

  /** Whether the states have loss weights other than 1. */
  boolean weighted() {
    return weights != null;
  }

  /** The loss weight of state {@code i}: 1 unless the set is {@link #weighted()}. */
  double weight(int i) {
    return weights == null ? 1 : weights[i];
  }

  /**
   * The weights of states {@code indices}, scaled to mean 1 so that the learning rate means the
   * same with and without weights; {@code null} when the set is not weighted.
   */
  float[] normalisedWeights(int[] indices) {
    if (weights == null || indices.length == 0) {
      return null;
    }
    double sum = 0;
    for (int i : indices) {
      sum += weights[i];
    }
    float[] out = new float[indices.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) (weights[indices[i]] * indices.length / sum);
    }
    return out;
  }

  /**
   * Holds out {@code floor(fraction * groups)} whole groups at random, at most all groups but one.
   *
   * @return the training states' indices, then the held-out states' indices, each ascending
   */
  Split split(double fraction, SplittableRandom random) {
    int held = Math.min((int) Math.floor(fraction * groupCount), groupCount - 1);
    boolean[] heldOut = new boolean[groupCount];
    int[] order = permutation(groupCount, random);
    for (int i = 0; i < held; i++) {
      heldOut[order[i]] = true;
    }
    return new Split(rowsWhere(heldOut, false), rowsWhere(heldOut, true));
  }

  /**
   * A split of the states.
   *
   * @param train the indices of the training states, ascending
   * @param valid the indices of the held-out states, ascending; empty when nothing is held out
   */
  record Split(int[] train, int[] valid) {}

  private int[] rowsWhere(boolean[] heldOut, boolean wanted) {
    int count = 0;
    for (int g : groups) {
      if (heldOut[g] == wanted) {
        count++;
      }
    }
    int[] selected = new int[count];
    int k = 0;
    for (int i = 0; i < groups.length; i++) {
      if (heldOut[groups[i]] == wanted) {
        selected[k++] = i;
      }
    }
    return selected;
  }

  /** A uniformly random permutation of {@code 0 .. n-1}. */
  static int[] permutation(int n, SplittableRandom random) {
    int[] p = new int[n];
    Arrays.setAll(p, i -> i);
    shuffle(p, random);
    return p;
  }

  /** Fisher-Yates, from the last element down. */
  static void shuffle(int[] a, SplittableRandom random) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
  }
}
