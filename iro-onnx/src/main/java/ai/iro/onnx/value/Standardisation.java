package ai.iro.onnx.value;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The standardisation of a training run, measured on its training states: each feature's mean and
 * standard deviation, and for {@link Loss#MSE} the targets' too (a BCE head trains on its targets as
 * they are). The network trains on standardised features and targets; the feature moments go into
 * the head, and {@link #restoreTargetScale} folds the target moments into its output layer.
 */
final class Standardisation {
  /** Features and targets whose training standard deviation is below this are only centred, not scaled. */
  private static final double MIN_STD = 1e-6;

  private final float[] mean;
  private final float[] std;
  private final float[] scale;
  private final double targetMean;
  private final double targetStd;
  private final boolean scalesTargets;

  private Standardisation(float[] mean, float[] std, boolean scalesTargets, double targetMean, double targetStd) {
    this.mean = mean;
    this.std = std;
    this.scale = new float[std.length];
    for (int j = 0; j < std.length; j++) {
      scale[j] = 1f / std[j];
    }
    this.targetMean = targetMean;
    this.targetStd = targetStd;
    this.scalesTargets = scalesTargets;
  }

  /**
   * Measures the moments on {@code rows} of {@code set}, in double, two passes each over the rows
   * in the order given (for a disk-cached set, two streaming reads of the file).
   */
  static Standardisation of(TrainingSet set, int[] rows, int dimension, Loss loss) {
    float[] scratch = new float[dimension];
    double[] sum = new double[dimension];
    for (int r : rows) {
      float[] row = set.row(r, scratch);
      for (int j = 0; j < dimension; j++) {
        sum[j] += row[j];
      }
    }
    float[] mean = new float[dimension];
    for (int j = 0; j < dimension; j++) {
      sum[j] /= rows.length;
      mean[j] = (float) sum[j];
    }
    double[] ss = new double[dimension];
    for (int r : rows) {
      float[] row = set.row(r, scratch);
      for (int j = 0; j < dimension; j++) {
        double e = row[j] - sum[j];
        ss[j] += e * e;
      }
    }
    float[] std = new float[dimension];
    for (int j = 0; j < dimension; j++) {
      double s = Math.sqrt(ss[j] / rows.length);
      std[j] = s > MIN_STD ? (float) s : 1f;
    }
    double targetMean = 0;
    double targetStd = 1;
    if (loss == Loss.MSE) {
      for (int r : rows) {
        targetMean += set.target(r);
      }
      targetMean /= rows.length;
      double tss = 0;
      for (int r : rows) {
        tss += (set.target(r) - targetMean) * (set.target(r) - targetMean);
      }
      targetStd = Math.sqrt(tss / rows.length);
      if (!(targetStd > MIN_STD)) {
        targetStd = 1;
      }
    }
    return new Standardisation(mean, std, loss == Loss.MSE, targetMean, targetStd);
  }

  /** The per-feature means, for the head. */
  float[] mean() {
    return mean.clone();
  }

  /** The per-feature standard deviations, for the head. */
  float[] std() {
    return std.clone();
  }

  /**
   * The standardised features of states {@code rows[from .. to-1]} of {@code set}: a new float32
   * {@code (to - from) x dimension} array.
   */
  INDArray features(TrainingSet set, int[] rows, int from, int to) {
    int d = mean.length;
    float[] flat = new float[Math.multiplyExact(to - from, d)];
    standardise(set, rows, from, to, flat, new float[d]);
    return Nd4j.create(flat, new long[] {to - from, d}, DataType.FLOAT);
  }

  /**
   * Writes the standardised features of states {@code rows[from .. to-1]} of {@code set} into
   * {@code flat}, row after row from index 0; {@code scratch} holds one row.
   */
  void standardise(TrainingSet set, int[] rows, int from, int to, float[] flat, float[] scratch) {
    int k = 0;
    for (int i = from; i < to; i++) {
      k = Mlp.standardise(set.row(rows[i], scratch), mean, scale, flat, k);
    }
  }

  /** A network output on the standardised scale back on the targets' scale (identity for BCE). */
  double unstandardise(double output) {
    return targetMean + targetStd * output;
  }

  /** The standardised targets of {@code rows} of {@code set}. */
  float[] targets(TrainingSet set, int[] rows) {
    float[] out = new float[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = (float) ((set.target(rows[i]) - targetMean) / targetStd);
    }
    return out;
  }

  /**
   * Undoes the target standardisation inside the output layer, so that the network predicts raw
   * targets: {@code W *= std}, {@code b = b * std + mean}. Does nothing when the targets were not
   * standardised ({@link Loss#BCE}), not even a multiplication by 1.
   */
  void restoreTargetScale(INDArray outputWeights, INDArray outputBias) {
    if (scalesTargets) {
      outputWeights.muli(targetStd);
      outputBias.muli(targetStd).addi(targetMean);
    }
  }

  /** This standardisation with other feature moments (a warm-started network's), the target moments kept. */
  Standardisation withFeatureMoments(float[] mean, float[] std) {
    return new Standardisation(mean.clone(), std.clone(), scalesTargets, targetMean, targetStd);
  }

  /**
   * The inverse of {@link #restoreTargetScale}: makes an output layer that predicts raw targets
   * predict standardised ones, {@code b = (b - mean) / std}, {@code W /= std}.
   */
  void removeTargetScale(INDArray outputWeights, INDArray outputBias) {
    if (scalesTargets) {
      outputWeights.divi(targetStd);
      outputBias.subi(targetMean).divi(targetStd);
    }
  }
}
