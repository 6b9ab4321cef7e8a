package ai.iro.onnx.value;

import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueExample;
import ai.iro.core.value.ValueStack;
import com.google.common.base.Preconditions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Builds the {@link TrainingSet} of a list of examples: each example's prefix states (all, or a
 * {@link PrefixSample} of them), their targets, loss weights and groups, and their feature rows,
 * either on the heap or, when the rows would take more than the memory budget, in a
 * {@link FeatureCache} written chunk by chunk of examples so that only one chunk's features are on
 * the heap at a time. Both ways give the same rows, targets and weights in the same order.
 */
final class ExampleStates {
  private ExampleStates() {}

  /**
   * Where the rows go and which states are kept.
   *
   * @param memoryBudget the most bytes of float32 feature rows held on the heap; more go to a disk cache
   * @param featureChunk the examples per {@link FeatureSource#prefixFeatures} call when caching
   * @param cacheDirectory the directory of the cache file
   * @param maxPrefixStates the most states kept per example ({@link Integer#MAX_VALUE}: all)
   * @param sampleSeed the seed of the states kept when an example has more than {@code maxPrefixStates}
   */
  record Options(long memoryBudget, int featureChunk, Path cacheDirectory, int maxPrefixStates, long sampleSeed) {
    /** Every state, every row on the heap. */
    static final Options IN_MEMORY = new Options(Long.MAX_VALUE, Integer.MAX_VALUE,
        Path.of(System.getProperty("java.io.tmpdir")), Integer.MAX_VALUE, 0);

    /** The options of a training run with {@code config}'s settings and {@code seed}. */
    static Options of(MlpTrainerConfig config, long seed) {
      return new Options(config.memoryBudget(), config.featureChunk(),
          config.cacheDirectory().orElseGet(() -> Path.of(System.getProperty("java.io.tmpdir"))),
          config.maxPrefixStates() == 0 ? Integer.MAX_VALUE : config.maxPrefixStates(), seed);
    }
  }

  /** The most states scored by the baseline stack in one call, to bound the copies a batch of states holds. */
  private static final int BASELINE_BATCH = 4096;

  /** Salts the sub-sampling seed, so that its draws are not those of the run's split or shuffles. */
  private static final long SAMPLE_SALT = 0x5EED_0F_5A_3B1E5L;

  /**
   * The training set of {@code examples}; the caller closes it.
   *
   * @throws IllegalArgumentException if there are no examples, a feature row is not finite or of
   *     the wrong length, or a target is not finite (or outside [0, 1] for BCE)
   * @throws IllegalStateException if the source returns prefix features of the wrong shape
   * @throws java.io.UncheckedIOException if the disk cache cannot be written
   */
  static TrainingSet load(FeatureSource source, List<ValueExample> examples, Loss loss, Options options) {
    return load(source, examples, loss, options, ValueStack.empty());
  }

  /**
   * The training set of {@code examples} with every state's target reduced by {@code baseline}'s
   * score of the state (residual targets; none when the stack is empty); the caller closes it.
   *
   * @throws IllegalArgumentException as {@link #load(FeatureSource, List, Loss, Options)}, or if a
   *     residual target is not finite
   * @throws UnsupportedOperationException if a baseline function reads a prefix's text
   */
  static TrainingSet load(FeatureSource source, List<ValueExample> examples, Loss loss, Options options,
      ValueStack baseline) {
    Preconditions.checkArgument(!examples.isEmpty(), "examples must not be empty");
    if (loss == Loss.BCE) {
      for (int e = 0; e < examples.size(); e++) {
        TrainingSet.checkBceTarget(examples.get(e).target(), "example " + e);
      }
    }
    long total = 0;
    for (ValueExample example : examples) {
      total += PrefixSample.keptCount(example.responseLength() + 1, options.maxPrefixStates());
    }
    Preconditions.checkArgument(total <= Integer.MAX_VALUE - 8, "%s prefix states are more than one training "
        + "set holds; set maxPrefixStates", total);
    int d = source.dimension();
    boolean cached = total * d * Float.BYTES > options.memoryBudget();
    Builder out = new Builder(source, loss, (int) total, cached ? FeatureCache.create(options.cacheDirectory(), d)
        : null);
    try {
      SplittableRandom random = new SplittableRandom(options.sampleSeed() ^ SAMPLE_SALT);
      int chunk = cached ? options.featureChunk() : examples.size();
      for (int start = 0; start < examples.size(); start += chunk) {
        List<ValueExample> part = examples.subList(start, Math.min(examples.size(), start + chunk));
        List<float[][]> prefixes = source.prefixFeatures(part);
        if (prefixes.size() != part.size()) {
          throw new IllegalStateException(source.id() + " returned prefix features for " + prefixes.size()
              + " examples, expected " + part.size());
        }
        for (int i = 0; i < part.size(); i++) {
          ValueExample example = part.get(i);
          float[][] p = prefixes.get(i);
          int expected = example.responseLength() + 1;
          if (p.length != expected) {
            throw new IllegalStateException(source.id() + " returned " + p.length + " prefix rows for example "
                + (start + i) + ", expected " + expected + " (response length + 1)");
          }
        }
        List<double[]> offsets = baselineScores(source, baseline, part, prefixes);
        for (int i = 0; i < part.size(); i++) {
          ValueExample example = part.get(i);
          int expected = example.responseLength() + 1;
          out.add(example, start + i, prefixes.get(i), offsets.get(i),
              PrefixSample.draw(expected, options.maxPrefixStates(), random));
        }
      }
      return out.build(examples.size());
    } catch (RuntimeException | Error e) {
      out.discard();
      throw e;
    }
  }

  /**
   * The baseline stack's score of every prefix state of every example, from the prefixes' feature
   * rows (the stack's heads read {@code source}, as the trainer checks), in batches of at most
   * {@link #BASELINE_BATCH} states; all zero for an empty stack.
   */
  private static List<double[]> baselineScores(FeatureSource source, ValueStack baseline, List<ValueExample> part,
      List<float[][]> prefixes) {
    List<double[]> out = new ArrayList<>(part.size());
    List<State> batch = new ArrayList<>();
    List<float[]> rows = new ArrayList<>();
    List<double[]> pending = new ArrayList<>();
    for (int i = 0; i < part.size(); i++) {
      ValueExample example = part.get(i);
      double[] scores = new double[example.responseLength() + 1];
      out.add(scores);
      if (baseline.isEmpty()) {
        continue;
      }
      int[] tokens = example.responseTokens();
      for (int j = 0; j < scores.length; j++) {
        batch.add(State.lazy(example.prompt(), Arrays.copyOf(tokens, j), ExampleStates::noText, Optional.empty()));
        rows.add(prefixes.get(i)[j]);
      }
      pending.add(scores);
      if (batch.size() >= BASELINE_BATCH || i == part.size() - 1) {
        double[] all = scoreBaseline(baseline, StateBatch.withFeatures(batch, source, rows.toArray(float[][]::new)),
            source);
        int at = 0;
        for (double[] s : pending) {
          System.arraycopy(all, at, s, 0, s.length);
          at += s.length;
        }
        batch.clear();
        rows.clear();
        pending.clear();
      }
    }
    return out;
  }

  /**
   * The earlier stack's scores of states that carry only this trainer's feature rows: a head that
   * reads other features cannot score them, and its own message (no features, say) would not say why.
   */
  private static double[] scoreBaseline(ValueStack baseline, StateBatch states, FeatureSource source) {
    try {
      return baseline.score(states);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("residual targets score the earlier heads on this trainer's feature rows ("
          + source.id() + ") only, and an earlier head could not read them: " + e.getMessage()
          + "; use residual(false), or earlier heads that read the trainer's features", e);
    }
  }

  private static String noText(int[] tokens) {
    throw new UnsupportedOperationException("residual targets score the earlier heads on feature rows only, and one "
        + "of them read a prefix's text; use residual(false) with text-reading value functions");
  }

  /** The arrays of a set being built, and its rows: a list on the heap or a cache being written. */
  private static final class Builder {
    private final FeatureSource source;
    private final Loss loss;
    private final FeatureCache cache;
    private final float[][] rows;
    private final double[] targets;
    private final double[] weights;
    private final int[] groups;
    private boolean weighted;
    private int k;

    Builder(FeatureSource source, Loss loss, int total, FeatureCache cache) {
      this.source = source;
      this.loss = loss;
      this.cache = cache;
      this.rows = cache == null ? new float[total][] : null;
      this.targets = new double[total];
      this.weights = new double[total];
      this.groups = new int[total];
    }

    void add(ValueExample example, int group, float[][] prefixRows, double[] offsets, PrefixSample kept) {
      for (int s = 0; s < kept.states().length; s++) {
        int j = kept.states()[s];
        float[] row = prefixRows[j];
        TrainingSet.checkRow(source, row, k);
        targets[k] = example.target(j) - offsets[j];
        TrainingSet.checkTarget(targets[k], k, loss);
        weights[k] = example.weight() * kept.weights()[s];
        weighted |= weights[k] != 1;
        groups[k] = group;
        if (cache == null) {
          rows[k] = row;
        } else {
          cache.append(row);
        }
        k++;
      }
    }

    TrainingSet build(int groupCount) {
      FeatureRows features = cache == null ? FeatureRows.inMemory(rows) : cache.seal();
      return new TrainingSet(features, targets, weighted ? weights : null, groups, groupCount);
    }

    /** Deletes the cache of a set that will not be built. */
    void discard() {
      if (cache != null) {
        cache.close();
      }
    }
  }
}
