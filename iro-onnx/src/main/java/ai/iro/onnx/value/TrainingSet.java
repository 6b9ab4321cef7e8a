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
 * Rows are shared with the caller, not copied; nothing here modifies them.
 */
final class TrainingSet {
  private final float[][] rows;
  private final double[] targets;
  private final double[] weights;
  private final int[] groups;
  private final int groupCount;

  private TrainingSet(float[][] rows, double[] targets, double[] weights, int[] groups, int groupCount) {
    this.rows = rows;
    this.targets = targets;
    this.weights = weights;
    this.groups = groups;
    this.groupCount = groupCount;
  }

  /**
   * Every prefix state of every example, with the example's prefix target ({@link
   * ValueExample#target(int)}) and weight: the features of an example's prefixes come from one
   * {@link FeatureSource#prefixFeatures} call.
   *
   * @throws IllegalArgumentException if there are no examples, or BCE targets outside [0, 1]
   * @throws IllegalStateException if the source returns prefix features of the wrong shape
   */
  static TrainingSet ofExamples(FeatureSource source, List<ValueExample> examples, Loss loss) {
    Preconditions.checkArgument(!examples.isEmpty(), "examples must not be empty");
    if (loss == Loss.BCE) {
      for (int e = 0; e < examples.size(); e++) {
        checkBceTarget(examples.get(e).target(), "example " + e);
      }
    }
    List<float[][]> prefixes = source.prefixFeatures(examples);
    if (prefixes.size() != examples.size()) {
      throw new IllegalStateException(source.id() + " returned prefix features for " + prefixes.size()
          + " examples, expected " + examples.size());
    }
    int total = 0;
    for (int e = 0; e < examples.size(); e++) {
      float[][] p = prefixes.get(e);
      int expected = examples.get(e).responseLength() + 1;
      if (p.length != expected) {
        throw new IllegalStateException(source.id() + " returned " + p.length + " prefix rows for example "
            + e + ", expected " + expected + " (response length + 1)");
      }
      total = Math.addExact(total, p.length);
    }
    float[][] rows = new float[total][];
    double[] targets = new double[total];
    double[] weights = new double[total];
    boolean weighted = false;
    int[] groups = new int[total];
    int k = 0;
    for (int e = 0; e < examples.size(); e++) {
      ValueExample example = examples.get(e);
      weighted |= example.weight() != 1;
      float[][] p = prefixes.get(e);
      for (int j = 0; j < p.length; j++) {
        rows[k] = p[j];
        targets[k] = example.target(j);
        weights[k] = example.weight();
        groups[k] = e;
        k++;
      }
    }
    return checked(source, new TrainingSet(rows, targets, weighted ? weights : null, groups, examples.size()), loss);
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
    return checked(source, new TrainingSet(rows, targets, null, groups, rows.length), loss);
  }

  private static TrainingSet checked(FeatureSource source, TrainingSet set, Loss loss) {
    int d = source.dimension();
    for (int i = 0; i < set.rows.length; i++) {
      float[] row = Objects.requireNonNull(set.rows[i], "features row");
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
      double y = set.targets[i];
      if (!Double.isFinite(y)) {
        throw new IllegalArgumentException("target " + i + " is " + y + "; targets must be finite");
      }
      if (loss == Loss.BCE) {
        checkBceTarget(y, "target " + i);
      }
    }
    return set;
  }

  private static void checkBceTarget(double target, String what) {
    if (!(target >= 0 && target <= 1)) {
      throw new IllegalArgumentException("BCE loss needs targets in [0, 1], but " + what + " is " + target
          + "; rescale the rewards or use Loss.MSE");
    }
  }

  /** The feature row of state {@code i}. */
  float[] row(int i) {
    return rows[i];
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
