package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueExample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training sets that stream through a disk cache ({@link MlpValueTrainer.Builder#memoryBudget}):
 * the same heads as in memory, and the cache file gone afterwards, after a success or a failure.
 */
class StreamingTrainingTest {
  private static final int DIMENSION = 6;

  @TempDir
  Path cacheDirectory;

  /** Examples of random lengths (0 to 11 tokens), rewards, per-prefix targets and weights. */
  private static List<ValueExample> examples(int count, boolean weighted, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<ValueExample> out = new ArrayList<>();
    for (int e = 0; e < count; e++) {
      int[] tokens = r.ints(r.nextInt(12), 0, 50).toArray();
      double reward = r.nextDouble() * 4 - 1;
      double[] targets = new double[tokens.length + 1];
      for (int j = 0; j < targets.length; j++) {
        targets[j] = reward * (j + 1) / targets.length + 0.1 * r.nextDouble();
      }
      String prompt = (e % 3 == 0 ? "good " : "bad ") + e;
      out.add(new ValueExample(prompt, tokens, "t", reward, targets, weighted ? 0.2 + r.nextDouble() : 1.0));
    }
    return out;
  }

  private MlpValueTrainer.Builder trainer(FeatureSource source) {
    return MlpValueTrainer.builder().features(source).hiddenSizes(8).epochs(4).cacheDirectory(cacheDirectory);
  }

  private static List<float[]> parameters(TrainedValue trained) {
    List<float[]> out = new ArrayList<>();
    Mlp network = ((MlpValueHead) trained.function()).network();
    for (var p : network.parameters()) {
      out.add(p.dup().reshape(p.length()).toFloatVector());
    }
    out.add(network.mean.clone());
    out.add(network.std.clone());
    return out;
  }

  private List<Path> cacheFiles() {
    try (Stream<Path> files = Files.list(cacheDirectory)) {
      return files.toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aStreamedSetTrainsTheSameHeadAsAnInMemoryOne() {
    for (boolean weighted : new boolean[] {false, true}) {
      List<ValueExample> examples = examples(61, weighted, 11);
      CountingFeatures inMemory = new CountingFeatures("fake:stream", DIMENSION);
      CountingFeatures streamed = new CountingFeatures("fake:stream", DIMENSION);
      TrainedValue a = trainer(inMemory).build().train(examples, 7);
      TrainedValue b = trainer(streamed).memoryBudget(0).featureChunk(8).build().train(examples, 7);
      // One call for the whole set in memory; ceil(61 / 8) chunks when streamed.
      assertThat(inMemory.prefixCalls).isEqualTo(1);
      assertThat(streamed.prefixCalls).isEqualTo(8);
      assertThat(parameters(b)).containsExactlyElementsOf(parameters(a));
      assertThat(b.loss()).isEqualTo(a.loss());
    }
  }

  @Test
  void aSetAboveTheMemoryBudgetStreamsAndOneWithinItDoesNot() {
    List<ValueExample> examples = examples(30, false, 3);
    long bytes = 0;
    for (ValueExample e : examples) {
      bytes += (e.responseLength() + 1L) * DIMENSION * Float.BYTES;
    }
    CountingFeatures within = new CountingFeatures("fake:budget", DIMENSION);
    trainer(within).memoryBudget(bytes).featureChunk(4).build().train(examples, 1);
    CountingFeatures above = new CountingFeatures("fake:budget", DIMENSION);
    trainer(above).memoryBudget(bytes - 1).featureChunk(4).build().train(examples, 1);
    assertThat(within.prefixCalls).isEqualTo(1);
    assertThat(above.prefixCalls).isEqualTo(8);
  }

  @Test
  void theCacheFileExistsDuringTrainingAndIsDeletedAfterIt() {
    List<Integer> filesSeen = new ArrayList<>();
    FeatureSource watching = new Delegating(new CountingFeatures("fake:watch", DIMENSION)) {
      @Override
      public List<float[][]> prefixFeatures(List<ValueExample> examples) {
        filesSeen.add(cacheFiles().size());
        return super.prefixFeatures(examples);
      }
    };
    trainer(watching).memoryBudget(0).featureChunk(10).build().train(examples(30, false, 5), 2);
    assertThat(filesSeen).containsExactly(1, 1, 1);
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void theCacheFileIsDeletedWhenTheFeatureSourceFails() {
    int[] calls = new int[1];
    FeatureSource failing = new Delegating(new CountingFeatures("fake:fail", DIMENSION)) {
      @Override
      public List<float[][]> prefixFeatures(List<ValueExample> examples) {
        if (++calls[0] == 3) {
          assertThat(cacheFiles()).hasSize(1);
          throw new IllegalStateException("the model went away");
        }
        return super.prefixFeatures(examples);
      }
    };
    MlpValueTrainer trainer = trainer(failing).memoryBudget(0).featureChunk(10).build();
    assertThatThrownBy(() -> trainer.train(examples(30, false, 5), 2))
        .isInstanceOf(IllegalStateException.class).hasMessage("the model went away");
    assertThat(calls[0]).isEqualTo(3);
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void theCacheFileIsDeletedWhenAFeatureIsNotFinite() {
    FeatureSource nan = new Delegating(new CountingFeatures("fake:nan", DIMENSION)) {
      @Override
      public List<float[][]> prefixFeatures(List<ValueExample> examples) {
        List<float[][]> rows = super.prefixFeatures(examples);
        if (examples.get(0).prompt().endsWith(" 20")) {
          rows.get(1)[0][2] = Float.NaN;
        }
        return rows;
      }
    };
    MlpValueTrainer trainer = trainer(nan).memoryBudget(0).featureChunk(10).build();
    assertThatThrownBy(() -> trainer.train(examples(30, false, 5), 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds NaN at 2");
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void sampledPrefixStatesCarryWeightsSummingToTheExamplesStates() {
    List<ValueExample> examples = examples(40, true, 9);
    int max = 3;
    ExampleStates.Options options = new ExampleStates.Options(0, 7, cacheDirectory, max, 4);
    CountingFeatures source = new CountingFeatures("fake:sample", DIMENSION);
    try (TrainingSet set = ExampleStates.load(source, examples, Loss.MSE, options)) {
      int k = 0;
      for (ValueExample e : examples) {
        int n = e.responseLength() + 1;
        double weights = 0;
        int kept = Math.min(n, max);
        for (int s = 0; s < kept; s++, k++) {
          weights += set.weight(k);
        }
        assertThat(weights).isCloseTo(n * e.weight(), org.assertj.core.api.Assertions.within(1e-9));
        // The last kept state is the full response, its target the example's last prefix target.
        assertThat(set.target(k - 1)).isEqualTo(e.target(n - 1));
      }
      assertThat(set.size()).isEqualTo(k);
    }
  }

  @Test
  void aCacheMappedInSeveralSegmentsReadsBackEveryRow() {
    SplittableRandom r = new SplittableRandom(8);
    float[][] rows = new float[11][DIMENSION];
    // Segments of 3 rows (and a few bytes): rows 0-2, 3-5, 6-8, 9-10.
    try (FeatureCache cache = FeatureCache.create(cacheDirectory, DIMENSION, 3 * DIMENSION * Float.BYTES + 5)) {
      for (float[] row : rows) {
        for (int j = 0; j < DIMENSION; j++) {
          row[j] = (float) r.nextGaussian();
        }
        cache.append(row);
      }
      cache.seal();
      float[] scratch = new float[DIMENSION];
      for (int i = rows.length - 1; i >= 0; i--) {
        assertThat(cache.row(i, scratch)).containsExactly(rows[i]);
      }
      assertThat(cache.size()).isEqualTo(rows.length);
    }
    assertThat(cacheFiles()).isEmpty();
  }

  @Test
  void theTrainerPassesItsStorageAndSamplingSettingsToTheSet() {
    MlpTrainerConfig defaults = trainer(new CountingFeatures("fake:o", DIMENSION)).build().config();
    MlpTrainerConfig set = trainer(new CountingFeatures("fake:o", DIMENSION)).memoryBudget(5).featureChunk(9)
        .maxPrefixStates(3).build().config();
    assertThat(ExampleStates.Options.of(defaults, 1))
        .isEqualTo(new ExampleStates.Options(MlpTrainerConfig.DEFAULT_MEMORY_BUDGET,
            MlpTrainerConfig.DEFAULT_FEATURE_CHUNK, cacheDirectory, Integer.MAX_VALUE, 1));
    assertThat(ExampleStates.Options.of(set, 2)).isEqualTo(new ExampleStates.Options(5, 9, cacheDirectory, 3, 2));
  }

  /** A feature source passing every call to another; tests override what they watch. */
  private static class Delegating implements FeatureSource {
    private final FeatureSource delegate;

    Delegating(FeatureSource delegate) {
      this.delegate = delegate;
    }

    @Override
    public String id() {
      return delegate.id();
    }

    @Override
    public int dimension() {
      return delegate.dimension();
    }

    @Override
    public float[][] compute(StateBatch states) {
      return delegate.compute(states);
    }

    @Override
    public List<float[][]> prefixFeatures(List<ValueExample> examples) {
      return delegate.prefixFeatures(examples);
    }
  }
}
