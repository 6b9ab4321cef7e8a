package ai.iro.core.value;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Several feature sources side by side: each state's row is the rows of its parts, in order. For
 * example the base model's hidden state next to the reward of the response so far:
 *
 * <pre>{@code
 * FeatureSource features = new ConcatenatedFeatures(List.of(lm.features(),
 *     new PrefixRewardFeatures(reward, lm::decode)));
 * ValueTrainer trainer = MlpValueTrainer.builder().features(features).build();
 * }</pre>
 *
 * Its {@link #id()} names the parts' ids in order, so heads load only against the same parts.
 * Immutable; as thread safe as its parts.
 */
public final class ConcatenatedFeatures implements FeatureSource {
  private final List<FeatureSource> parts;
  private final String id;
  private final int dimension;

  /**
   * @param parts at least two sources, each with its own id
   * @throws IllegalArgumentException if there are fewer than two parts or two share an id
   */
  public ConcatenatedFeatures(List<? extends FeatureSource> parts) {
    Objects.requireNonNull(parts, "parts");
    Preconditions.checkArgument(parts.size() >= 2, "concatenate at least two feature sources, found %s", parts.size());
    this.parts = List.copyOf(parts);
    List<String> ids = this.parts.stream().map(FeatureSource::id).toList();
    Preconditions.checkArgument(ids.stream().distinct().count() == ids.size(),
        "the feature sources must differ, found the ids %s", ids);
    this.id = ids.stream().collect(Collectors.joining(" + ", "concat[", "]"));
    this.dimension = this.parts.stream().mapToInt(FeatureSource::dimension).sum();
  }

  /** The parts, in order. */
  public List<FeatureSource> parts() {
    return parts;
  }

  /** {@code concat[<id of part 1> + <id of part 2> + ...]}. */
  @Override
  public String id() {
    return id;
  }

  /** The sum of the parts' dimensions. */
  @Override
  public int dimension() {
    return dimension;
  }

  /** Each part's rows through {@link StateBatch#features}, so a part other heads read too is computed once. */
  @Override
  public float[][] compute(StateBatch states) {
    List<float[][]> each = new ArrayList<>(parts.size());
    for (FeatureSource part : parts) {
      each.add(states.features(part));
    }
    float[][] out = new float[states.size()][];
    for (int i = 0; i < out.length; i++) {
      int k = i;
      out[i] = concatenate(each.stream().map(rows -> rows[k]).toList(), "state " + i);
    }
    return out;
  }

  @Override
  public List<float[][]> prefixFeatures(List<ValueExample> examples) {
    List<List<float[][]>> each = new ArrayList<>(parts.size());
    for (FeatureSource part : parts) {
      List<float[][]> rows = part.prefixFeatures(examples);
      if (rows.size() != examples.size()) {
        throw new IllegalStateException("feature source " + part.id() + " gave prefix features of " + rows.size()
            + " examples, expected " + examples.size());
      }
      each.add(rows);
    }
    List<float[][]> out = new ArrayList<>(examples.size());
    for (int e = 0; e < examples.size(); e++) {
      int states = examples.get(e).responseLength() + 1;
      float[][] rows = new float[states][];
      for (int j = 0; j < states; j++) {
        List<float[]> pieces = new ArrayList<>(parts.size());
        for (int p = 0; p < parts.size(); p++) {
          float[][] partRows = each.get(p).get(e);
          if (partRows.length != states) {
            throw new IllegalStateException("feature source " + parts.get(p).id() + " gave " + partRows.length
                + " prefix rows for example " + e + ", expected " + states);
          }
          pieces.add(partRows[j]);
        }
        rows[j] = concatenate(pieces, "example " + e + ", prefix " + j);
      }
      out.add(rows);
    }
    return out;
  }

  private float[] concatenate(List<float[]> pieces, String where) {
    float[] row = new float[dimension];
    int at = 0;
    for (int p = 0; p < pieces.size(); p++) {
      float[] piece = pieces.get(p);
      int d = parts.get(p).dimension();
      if (piece.length != d) {
        throw new IllegalStateException("feature source " + parts.get(p).id() + " gave " + piece.length
            + " values for " + where + ", expected " + d);
      }
      System.arraycopy(piece, 0, row, at, d);
      at += d;
    }
    return row;
  }

  @Override
  public String toString() {
    return "ConcatenatedFeatures{" + id + "}";
  }
}
