package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class MlpValueTrainerTest {
  /** The head must explain this much of the held-out variance of a noisy linear function. */
  private static final double MIN_R_SQUARED = 0.95;
  /** The other activations train on less data, for speed. */
  private static final double MIN_R_SQUARED_SMALL = 0.9;
  /** The reported training loss is an MSE near the noise variance (0.01) for a good fit. */
  private static final double MAX_TRAINING_MSE = 0.05;
  private static final double NOISE_SD = 0.1;
  private static final long SEED = 20250617L;

  @TempDir
  Path tmp;

  private static MlpValueTrainer.Builder trainer(int dimension) {
    return MlpValueTrainer.builder().features(new CountingFeatures("fake:" + dimension, dimension));
  }

  /** Small data sets need more steps per epoch than the defaults (sized for 10^5 states) give. */
  private static MlpValueTrainer.Builder smallDataTrainer(int dimension) {
    return trainer(dimension).batchSize(32).learningRate(3e-3);
  }

  @Test
  void fitsNoisyLinearFunctionOnHeldOutData() {
    Synthetic train = Synthetic.linear(5000, 32, NOISE_SD, SEED, 1);
    Synthetic test = Synthetic.linear(2000, 32, NOISE_SD, SEED, 2);

    MlpValueTrainer.FitResult fit = trainer(32).build().fit(train.x, train.y, 7);

    assertThat(Synthetic.rSquared(fit.head().values(test.x), test.y)).isGreaterThanOrEqualTo(MIN_R_SQUARED);
    assertThat(fit.loss()).isLessThan(MAX_TRAINING_MSE);
    assertThat(fit.validationLoss()).isPresent();
    assertThat(fit.steps()).isPositive();
    assertThat(fit.bestEpoch()).isBetween(1, fit.epochs());
    // 4,500 training rows: the minibatch shrinks from 256 to 45 for 100 steps per epoch.
    assertThat(fit.batchSize()).isEqualTo(45);
  }

  @Test
  void trainingLeavesNd4jsProcessWideRandomGeneratorAlone() {
    // Guards against Nd4j.getRandom().setSeed(seed) in training, which reseeded ND4J for the JVM.
    org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(123);
    double expected = org.nd4j.linalg.factory.Nd4j.getRandom().nextDouble();
    org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(123);
    Synthetic train = Synthetic.linear(200, 8, NOISE_SD, SEED, 6);
    smallDataTrainer(8).epochs(1).build().fit(train.x, train.y, 99).head().close();
    assertThat(org.nd4j.linalg.factory.Nd4j.getRandom().nextDouble()).isEqualTo(expected);
  }

  @Test
  void keepsTheWeightsOfTheBestEpochNotTheLast() {
    // Guards against returning the last epoch's weights: a large network on 240 noisy rows overfits,
    // so the held-out error rises after its best epoch; the head must have the best epoch's error.
    Synthetic train = Synthetic.linear(240, 32, 1.0, SEED, 5);
    MlpValueTrainer.FitResult fit = trainer(32).hiddenSizes(256, 256).batchSize(8).learningRate(1e-2).epochs(25)
        .patience(25).validationFraction(0.3).build().fit(train.x, train.y, 7);
    List<Double> curve = fit.heldOutErrors();
    assertThat(curve).hasSize(fit.epochs());
    int argmin = 0;
    for (int e = 1; e < curve.size(); e++) {
      if (curve.get(e) < curve.get(argmin)) {
        argmin = e;
      }
    }
    assertThat(fit.bestEpoch()).as("the epoch of the lowest held-out error").isEqualTo(argmin + 1);
    assertThat(fit.bestEpoch()).as("this setting overfits").isLessThan(fit.epochs());
    double last = curve.get(curve.size() - 1);
    double best = curve.get(argmin);
    assertThat(last).as("the held-out error rises after the best epoch").isGreaterThan(best * 1.05);
    assertThat(fit.validationLoss().orElseThrow()).as("the returned head is the best epoch's")
        .isCloseTo(best, withinPercentage(0.1));
  }

  @ParameterizedTest
  @EnumSource(value = Activation.class, names = {"GELU", "TANH"})
  void otherActivationsFitToo(Activation activation) {
    Synthetic train = Synthetic.linear(2000, 16, NOISE_SD, SEED, 3);
    Synthetic test = Synthetic.linear(1000, 16, NOISE_SD, SEED, 4);

    MlpValueHead head = smallDataTrainer(16).activation(activation).hiddenSizes(64, 32).build().fit(train.x, train.y, 7).head();

    assertThat(head.activation()).isEqualTo(activation);
    assertThat(head.layerSizes()).containsExactly(16, 64, 32, 1);
    assertThat(Synthetic.rSquared(head.values(test.x), test.y)).isGreaterThanOrEqualTo(MIN_R_SQUARED_SMALL);
  }

  @ParameterizedTest
  @EnumSource(Optimizer.class)
  void bothOptimizersFit(Optimizer optimizer) {
    Synthetic train = Synthetic.linear(2000, 16, NOISE_SD, SEED, 3);
    Synthetic test = Synthetic.linear(1000, 16, NOISE_SD, SEED, 4);

    MlpValueHead head = smallDataTrainer(16).optimizer(optimizer).build().fit(train.x, train.y, 7).head();

    assertThat(Synthetic.rSquared(head.values(test.x), test.y)).isGreaterThanOrEqualTo(MIN_R_SQUARED_SMALL);
  }

  @Test
  void sameSeedGivesBitIdenticalWeightsAndAnotherSeedDiffers() throws IOException {
    Synthetic data = Synthetic.linear(1500, 24, NOISE_SD, SEED, 5);
    MlpValueTrainer trainer = trainer(24).epochs(3).build();

    byte[] first = savedWeights(trainer.fit(data.x, data.y, 11).head(), "a");
    byte[] again = savedWeights(trainer.fit(data.x, data.y, 11).head(), "b");
    byte[] other = savedWeights(trainer.fit(data.x, data.y, 12).head(), "c");

    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }

  private byte[] savedWeights(MlpValueHead head, String name) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    head.save(dir);
    head.close();
    return Files.readAllBytes(dir.resolve(MlpValueHead.WEIGHTS_FILE));
  }

  @Test
  void bceHeadPredictsProbabilities() {
    Synthetic data = Synthetic.linear(3000, 16, 0, SEED, 6);
    double[] p = new double[data.y.length];
    for (int i = 0; i < p.length; i++) {
      p[i] = MlpValueHead.sigmoid(2 * (data.y[i] - 3));
    }
    Synthetic test = Synthetic.linear(1000, 16, 0, SEED, 7);
    double[] pTest = new double[test.y.length];
    for (int i = 0; i < pTest.length; i++) {
      pTest[i] = MlpValueHead.sigmoid(2 * (test.y[i] - 3));
    }

    MlpValueTrainer.FitResult fit = smallDataTrainer(16).loss(Loss.BCE).build().fit(data.x, p, 3);
    double[] predicted = fit.head().values(test.x);

    assertThat(fit.head().loss()).isEqualTo(Loss.BCE);
    assertThat(java.util.Arrays.stream(predicted).boxed()).allSatisfy(v -> assertThat(v).isBetween(0.0, 1.0));
    assertThat(Synthetic.rSquared(predicted, pTest)).isGreaterThanOrEqualTo(MIN_R_SQUARED_SMALL);
  }

  @Test
  void bceRejectsTargetsOutsideTheUnitInterval() {
    MlpValueTrainer bce = trainer(2).loss(Loss.BCE).build();
    float[][] x = {{0, 1}, {1, 0}};

    assertThatThrownBy(() -> bce.fit(x, new double[] {0.5, 1.5}, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BCE").hasMessageContaining("[0, 1]").hasMessageContaining("1.5");
    List<ValueExample> examples = List.of(new ValueExample("p", new int[] {1}, "a", -0.25));
    assertThatThrownBy(() -> bce.train(examples, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BCE").hasMessageContaining("-0.25");
  }

  @Test
  void fitRejectsBadData() {
    MlpValueTrainer t = trainer(2).build();
    assertThatThrownBy(() -> t.fit(new float[0][], new double[0], 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> t.fit(new float[][] {{0, 1}}, new double[] {1, 2}, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 rows").hasMessageContaining("2 values");
    assertThatThrownBy(() -> t.fit(new float[][] {{0, 1, 2}}, new double[] {1}, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 values, expected 2");
    assertThatThrownBy(() -> t.fit(new float[][] {{0, Float.NaN}}, new double[] {1}, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NaN");
    assertThatThrownBy(() -> t.fit(new float[][] {{0, 1}}, new double[] {Double.POSITIVE_INFINITY}, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Infinity");
    assertThatThrownBy(() -> t.train(List.of(), 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("examples must not be empty");
  }

  @Test
  void singleRowTrains() {
    MlpValueTrainer.FitResult fit = trainer(3).build().fit(new float[][] {{1, 2, 3}}, new double[] {0.5}, 1);

    assertThat(fit.validationLoss()).isEmpty();
    assertThat(fit.head().values(new float[][] {{1, 2, 3}})[0]).isCloseTo(0.5, within(1e-6));
  }

  static Stream<Arguments> badSettings() {
    return Stream.of(
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.learningRate(0), "learningRate", "0.0"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.learningRate(-1e-3), "learningRate", "-0.001"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.learningRate(Double.NaN), "learningRate", "NaN"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.epochs(0), "epochs", "0"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.hiddenSizes(), "hiddenSizes", "empty"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.hiddenSizes(8, 0), "hiddenSizes", "[8, 0]"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.validationFraction(1), "validationFraction", "1.0"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.validationFraction(-0.1), "validationFraction", "-0.1"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.batchSize(0), "batchSize", "0"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.patience(0), "patience", "0"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.minStepsPerEpoch(0), "minStepsPerEpoch", "0"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.weightDecay(-1), "weightDecay", "-1.0"),
        Arguments.of((Consumer<MlpValueTrainer.Builder>) b -> b.warmup(1), "warmup", "1.0"));
  }

  @ParameterizedTest
  @MethodSource("badSettings")
  void builderRejectsBadValuesNamingThem(Consumer<MlpValueTrainer.Builder> setting, String name, String value) {
    assertThatThrownBy(() -> setting.accept(MlpValueTrainer.builder()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name).hasMessageContaining(value);
  }

  @Test
  void builderRequiresFeaturesAndKeepsSettings() {
    assertThatThrownBy(() -> MlpValueTrainer.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("features");

    MlpValueTrainer defaults = trainer(4).build();
    assertThat(defaults.config().hiddenSizes()).isEqualTo(MlpTrainerConfig.DEFAULT_HIDDEN_SIZES);
    assertThat(defaults.config().optimizer()).isEqualTo(Optimizer.ADAMW);
    assertThat(defaults.config().weightDecay()).isEqualTo(MlpTrainerConfig.DEFAULT_WEIGHT_DECAY);
    assertThat(defaults.config().epochs()).isEqualTo(MlpTrainerConfig.DEFAULT_EPOCHS);

    MlpValueTrainer custom = defaults.toBuilder().hiddenSizes(8, 4).learningRate(3e-4).epochs(2).build();
    MlpValueTrainer copy = custom.toBuilder().build();
    assertThat(copy.toString()).isEqualTo(custom.toString());
    assertThat(copy.config().hiddenSizes()).containsExactly(8, 4);
    assertThat(copy.config().learningRate()).isEqualTo(3e-4);
    assertThat(defaults.config().epochs()).isEqualTo(MlpTrainerConfig.DEFAULT_EPOCHS);
  }

  @Test
  void stopsEarlyOnNoiseAndKeepsTheBestEpoch() {
    // Pure noise targets: a wide network overfits, so the held-out loss soon stops improving.
    SplittableRandom r = new SplittableRandom(9);
    float[][] x = new float[400][8];
    double[] y = new double[400];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < 8; j++) {
        x[i][j] = (float) Synthetic.gaussian(r);
      }
      y[i] = Synthetic.gaussian(r);
    }
    MlpValueTrainer t = trainer(8).hiddenSizes(256).learningRate(1e-2).batchSize(16).minStepsPerEpoch(1).epochs(60).patience(2)
        .validationFraction(0.25).build();

    MlpValueTrainer.FitResult fit = t.fit(x, y, 5);

    assertThat(fit.epochs()).isLessThan(60);
    assertThat(fit.epochs()).isEqualTo(fit.bestEpoch() + 2);
    assertThat(fit.validationLoss()).isPresent();
  }

  @Test
  void withoutValidationRunsEveryEpoch() {
    Synthetic data = Synthetic.linear(300, 4, NOISE_SD, SEED, 8);

    MlpValueTrainer.FitResult fit = trainer(4).validationFraction(0).epochs(4).batchSize(100).minStepsPerEpoch(1).build()
        .fit(data.x, data.y, 1);

    assertThat(fit.validationLoss()).isEmpty();
    assertThat(fit.epochs()).isEqualTo(4);
    assertThat(fit.bestEpoch()).isEqualTo(4);
    assertThat(fit.steps()).isEqualTo(12);
    assertThat(fit.batchSize()).isEqualTo(100);
  }

  @Test
  void trainsOnEveryPrefixOfTheExamplesAndScoresStates() {
    CountingFeatures source = new CountingFeatures("fake:tokens", 6);
    SplittableRandom r = new SplittableRandom(3);
    List<ValueExample> examples = new ArrayList<>();
    for (int e = 0; e < 200; e++) {
      boolean good = e % 2 == 0;
      int[] tokens = r.ints(1 + r.nextInt(12), 0, 50).toArray();
      examples.add(new ValueExample((good ? "good " : "bad ") + e, tokens, "t", good ? 2.0 : -1.0));
    }
    MlpValueTrainer trainer = MlpValueTrainer.builder().features(source).batchSize(32).learningRate(3e-3).build();

    TrainedValue trained = trainer.train(examples, 17);

    assertThat(source.prefixCalls).isEqualTo(1);
    assertThat(trained.loss()).isLessThan(MAX_TRAINING_MSE);
    StateBatch batch = new StateBatch(List.of(
        State.of("good new", new int[] {4, 5}, "x"),
        State.of("bad new", new int[] {4, 5}, "x"),
        State.of("good other", new int[0], "")));
    double[] v = trained.function().values(batch);
    assertThat(v[0]).isCloseTo(2.0, within(0.3));
    assertThat(v[1]).isCloseTo(-1.0, within(0.3));
    assertThat(v[2]).isCloseTo(2.0, within(0.3));
  }

  @Test
  void trainLossMatchesFitOnTheSameRows() {
    CountingFeatures source = new CountingFeatures("fake:rows", 4);
    List<ValueExample> examples = new ArrayList<>();
    List<float[]> rows = new ArrayList<>();
    List<Double> targets = new ArrayList<>();
    for (int e = 0; e < 30; e++) {
      int[] tokens = {e % 7, e % 5, e % 3};
      ValueExample example = new ValueExample("good " + e, tokens, "t", e / 30.0);
      examples.add(example);
      for (float[] row : source.prefixFeatures(List.of(example)).get(0)) {
        rows.add(row);
        targets.add(example.target());
      }
    }
    MlpValueTrainer trainer = MlpValueTrainer.builder().features(source).validationFraction(0).epochs(3).build();

    double viaTrain = trainer.train(examples, 4).loss();
    double viaFit = trainer.fit(rows.toArray(new float[0][]), targets.stream().mapToDouble(Double::doubleValue).toArray(), 4)
        .loss();

    assertThat(viaTrain).isEqualTo(viaFit);
  }
}
