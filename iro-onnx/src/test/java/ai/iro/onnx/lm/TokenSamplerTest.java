package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Sampling;
import ai.iro.core.model.NextTokenDistribution;
import ai.iro.core.testing.ChiSquare;
import ai.iro.onnx.lm.internal.TokenSampler;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The token sampler against the naive sort-everything reference, and its edge cases. */
class TokenSamplerTest {
  /** Largest allowed |probability difference| from the reference (same arithmetic, other order). */
  private static final double PROBABILITY_TOLERANCE = 1e-12;
  /** A sampled histogram fails the chi-square test below this p-value (fixed seed: deterministic). */
  private static final double SIGNIFICANCE = 1e-3;

  private static Sampling sampling(double temperature, int topK, double topP) {
    return Sampling.builder().temperature(temperature).topK(topK).topP(topP).build();
  }

  private static void assertMatchesReference(float[] logits, double t, int k, double p) {
    TokenSampler s = new TokenSampler(sampling(t, k, p), logits.length);
    s.prepare(logits);
    Object[] expected = Reference.distribution(logits, t, k, p);
    int[] tokens = (int[]) expected[0];
    double[] probs = (double[]) expected[1];
    NextTokenDistribution c = s.candidates(logits.length + 1);
    assertThat(c.size()).as("t=%s k=%s p=%s", t, k, p).isEqualTo(tokens.length);
    for (int i = 0; i < tokens.length; i++) {
      assertThat(c.token(i)).isEqualTo(tokens[i]);
      assertThat(Math.abs(Math.exp(c.logProb(i)) - probs[i])).isLessThan(PROBABILITY_TOLERANCE);
    }
    NextTokenDistribution top = s.candidates(3);
    assertThat(top.size()).isEqualTo(Math.min(3, tokens.length));
    for (int i = 0; i < top.size(); i++) {
      assertThat(top.token(i)).isEqualTo(tokens[i]);
    }
  }

  @Test
  void matchesTheNaiveReferenceOnRandomLogits() {
    SplittableRandom random = new SplittableRandom(17);
    double[] temperatures = {0.3, 0.7, 1, 2.5};
    int[] topKs = {0, 1, 5, 50, 3000};
    double[] topPs = {1, 0.95, 0.5, 0.01};
    for (int trial = 0; trial < 20; trial++) {
      int width = 1 + random.nextInt(700);
      float[] logits = new float[width];
      for (int i = 0; i < width; i++) {
        // Rounded to a coarse grid so that ties are common.
        logits[i] = (float) (Math.round(random.nextGaussian() * 3 * 4) / 4.0);
      }
      for (double t : temperatures) {
        for (int k : topKs) {
          for (double p : topPs) {
            assertMatchesReference(logits, t, k, p);
          }
        }
      }
    }
  }

  @Test
  void topKMatchesTheReferenceOnWideVocabulariesInAnyOrderWithNaNAndInfinities() {
    SplittableRandom random = new SplittableRandom(23);
    int width = 2048;
    for (String shape : new String[] {"random", "increasing", "decreasing", "constant", "mostlyNaN", "blocksOfMinusInf"}) {
      float[] logits = new float[width];
      for (int i = 0; i < width; i++) {
        logits[i] = switch (shape) {
          case "increasing" -> i / 100f;
          case "decreasing" -> -i / 100f;
          case "constant" -> 1.5f;
          // Fewer finite logits than k for the larger k: NaN tokens must fill the top k.
          case "mostlyNaN" -> i % 97 == 0 ? (float) random.nextGaussian() : Float.NaN;
          // Whole top-k blocks without a finite logit: the pre-pass threshold is -infinity.
          case "blocksOfMinusInf" -> i < 512 ? Float.NEGATIVE_INFINITY : (float) (Math.round(random.nextGaussian() * 8) / 4.0);
          default -> random.nextInt(50) == 0 ? Float.NaN
              : random.nextInt(50) == 0 ? Float.NEGATIVE_INFINITY
              : (float) (Math.round(random.nextGaussian() * 3 * 4) / 4.0);
        };
      }
      for (int k : new int[] {1, 5, 50, 300, 600, 2048}) {
        for (double p : new double[] {1, 0.9}) {
          assertMatchesReference(logits, 0.7, k, p);
        }
      }
    }
  }

  @Test
  void greedyTakesTheArgMaxAndTiesGoToTheLowerId() {
    TokenSampler s = new TokenSampler(Sampling.greedy(1), 5);
    s.prepare(new float[] {1, 3, 2, 3, Float.NaN});
    assertThat(s.size()).isEqualTo(1);
    assertThat(s.token(0)).isEqualTo(1);
    assertThat(s.probability(0)).isEqualTo(1);
    assertThat(s.draw(new SplittableRandom(1))).isEqualTo(1);
    s.prepare(new float[] {Float.NaN, Float.NEGATIVE_INFINITY, -5, Float.NaN, -7});
    assertThat(s.token(0)).isEqualTo(2);
  }

  @Test
  void nanAndNegativeInfinityAreNeverCandidates() {
    float[] logits = {Float.NaN, 0.5f, Float.NEGATIVE_INFINITY, 0.5f, Float.NaN};
    TokenSampler s = new TokenSampler(sampling(1, 0, 1), logits.length);
    s.prepare(logits);
    NextTokenDistribution c = s.candidates(10);
    assertThat(c.size()).isEqualTo(2);
    assertThat(new int[] {c.token(0), c.token(1)}).containsExactly(1, 3);
    assertThat(c.logProb(0)).isEqualTo(Math.log(0.5));
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 1000; i++) {
      assertThat(s.draw(random)).isIn(1, 3);
    }
  }

  @Test
  void positiveInfinitiesShareTheMass() {
    float[] logits = {1, Float.POSITIVE_INFINITY, 1e30f, Float.POSITIVE_INFINITY};
    for (Sampling sampling : new Sampling[] {sampling(0.7, 0, 1), sampling(0.7, 3, 0.9)}) {
      TokenSampler s = new TokenSampler(sampling, logits.length);
      s.prepare(logits);
      NextTokenDistribution c = s.candidates(10);
      assertThat(c.size()).as("%s", sampling).isEqualTo(2);
      assertThat(new int[] {c.token(0), c.token(1)}).containsExactly(1, 3);
      assertThat(Math.exp(c.logProb(0))).isEqualTo(0.5);
    }
  }

  @Test
  void rowsWithoutAFiniteLogitAreAnError() {
    float[] logits = {Float.NaN, Float.NEGATIVE_INFINITY};
    for (Sampling sampling : new Sampling[] {Sampling.greedy(1), sampling(1, 0, 1), sampling(1, 1, 0.5)}) {
      TokenSampler s = new TokenSampler(sampling, logits.length);
      assertThatThrownBy(() -> s.prepare(logits)).isInstanceOf(IllegalStateException.class).hasMessageContaining("NaN");
    }
  }

  @Test
  void singleTokenVocabularyAlwaysGivesThatToken() {
    TokenSampler s = new TokenSampler(sampling(1, 50, 0.9), 1);
    s.prepare(new float[] {-3});
    assertThat(s.size()).isEqualTo(1);
    assertThat(s.draw(new SplittableRandom(9))).isZero();
    assertThatThrownBy(() -> new TokenSampler(sampling(1, 50, 0.9), 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 0");
  }

  @Test
  void tinyTemperatureIsNearlyGreedyWithoutNaN() {
    float[] logits = {1, 2, 1.999f};
    TokenSampler s = new TokenSampler(sampling(1e-9, 0, 1), logits.length);
    s.prepare(logits);
    assertThat(s.candidates(5).size()).isEqualTo(1);
    assertThat(s.candidates(5).token(0)).isEqualTo(1);
    assertThat(s.draw(new SplittableRandom(5))).isEqualTo(1);
  }

  @Test
  void drawsFollowThePreparedDistribution() {
    float[] logits = {2, 1.5f, 1, 0.5f, 0, -0.5f, -1, -4, -8};
    assertDrawsFollow(logits, sampling(1, 7, 1));
    assertDrawsFollow(logits, sampling(0.8, 0, 1));
    assertDrawsFollow(logits, sampling(1.2, 0, 0.9));
  }

  private static void assertDrawsFollow(float[] logits, Sampling sampling) {
    TokenSampler s = new TokenSampler(sampling, logits.length);
    s.prepare(logits);
    int draws = 100_000;
    long[] counts = new long[s.size()];
    double[] p = new double[s.size()];
    for (int i = 0; i < s.size(); i++) {
      p[i] = s.probability(i);
    }
    SplittableRandom random = new SplittableRandom(2024);
    for (int n = 0; n < draws; n++) {
      int token = s.draw(random);
      int i = 0;
      while (s.token(i) != token) {
        i++;
      }
      counts[i]++;
    }
    assertThat(ChiSquare.pValue(counts, p)).as("%s", sampling).isGreaterThan(SIGNIFICANCE);
  }
}
