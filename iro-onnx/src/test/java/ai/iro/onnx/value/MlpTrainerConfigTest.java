package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The trainer configuration's canonical text: equal settings describe equally, any change shows. */
class MlpTrainerConfigTest {
  private static final String DEFAULTS_DESCRIBED = "MlpValueTrainer/1{features=\"fake:4\", dimension=4, "
      + "hiddenSizes=[256], activation=RELU, loss=MSE, optimizer=ADAMW, learningRate=0.001, weightDecay=0.01, "
      + "warmup=0.05, epochs=10, batchSize=256, minStepsPerEpoch=100, validationFraction=0.1, patience=3}";

  private static MlpValueTrainer.Builder defaults() {
    return MlpValueTrainer.builder().features(new CountingFeatures("fake:4", 4));
  }

  /** One case per setting: its accessor's name and a change of that setting alone. */
  static Stream<Arguments> oneSettingChanged() {
    return Stream.of(
        Arguments.of("features", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.features(new CountingFeatures("fake:other", 4))),
        Arguments.of("features", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.features(new CountingFeatures("fake:4", 5))),
        Arguments.of("hiddenSizes", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.hiddenSizes(256, 1)),
        Arguments.of("activation", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.activation(Activation.GELU)),
        Arguments.of("loss", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.loss(Loss.BCE)),
        Arguments.of("optimizer", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.optimizer(Optimizer.ADAM)),
        Arguments.of("learningRate", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.learningRate(Math.nextUp(1e-3))),
        Arguments.of("weightDecay", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.weightDecay(0)),
        Arguments.of("warmup", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.warmup(0.5)),
        Arguments.of("epochs", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.epochs(11)),
        Arguments.of("batchSize", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.batchSize(255)),
        Arguments.of("minStepsPerEpoch", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.minStepsPerEpoch(1)),
        Arguments.of("validationFraction", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.validationFraction(0)),
        Arguments.of("patience", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.patience(4)),
        Arguments.of("warmStart", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.warmStart(true)),
        Arguments.of("residual", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.residual(true)),
        Arguments.of("maxPrefixStates", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.maxPrefixStates(8)));
  }

  /**
   * The settings of where a training set lives, which do not change the heads
   * ({@code StreamingTrainingTest} shows the heads equal) and so stay out of the description.
   */
  static Stream<Arguments> storageSettingChanged() {
    return Stream.of(
        Arguments.of("memoryBudget", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.memoryBudget(0)),
        Arguments.of("featureChunk", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.featureChunk(3)),
        Arguments.of("cacheDirectory", (UnaryOperator<MlpValueTrainer.Builder>) b -> b.cacheDirectory(Path.of("x"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("storageSettingChanged")
  void changingWhereTheSetLivesKeepsTheDescriptionButIsKeptByToBuilder(String setting,
      UnaryOperator<MlpValueTrainer.Builder> change) throws ReflectiveOperationException {
    MlpValueTrainer changed = change.apply(defaults()).build();
    Method accessor = MlpTrainerConfig.class.getMethod(setting);

    assertThat(changed.config().describe()).isEqualTo(DEFAULTS_DESCRIBED);
    assertThat(accessor.invoke(changed.toBuilder().build().config()))
        .isEqualTo(accessor.invoke(changed.config()))
        .isNotEqualTo(accessor.invoke(defaults().build().config()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("oneSettingChanged")
  void changingOneSettingChangesTheDescription(String setting, UnaryOperator<MlpValueTrainer.Builder> change) {
    MlpTrainerConfig base = defaults().build().config();
    MlpTrainerConfig changed = change.apply(defaults()).build().config();

    assertThat(changed.describe()).isNotEqualTo(base.describe());
    assertThat(changed).isNotEqualTo(base);
  }

  @Test
  void everySettingHasACase() {
    Set<String> accessors = Arrays.stream(MlpTrainerConfig.class.getDeclaredMethods())
        .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()))
        .filter(m -> m.getParameterCount() == 0)
        .map(Method::getName)
        .filter(name -> !Set.of("describe", "hashCode", "toString").contains(name))
        .collect(Collectors.toSet());
    Set<String> covered = Stream.concat(oneSettingChanged(), storageSettingChanged())
        .map(a -> (String) a.get()[0]).collect(Collectors.toSet());

    assertThat(covered).isEqualTo(accessors);
  }

  @Test
  void equalSettingsDescribeEqually() {
    MlpTrainerConfig first = defaults().hiddenSizes(64, 32).activation(Activation.TANH).learningRate(3e-4).build().config();
    MlpTrainerConfig second = defaults().hiddenSizes(64, 32).activation(Activation.TANH).learningRate(3e-4).build().config();
    MlpValueTrainer trainer = defaults().hiddenSizes(64, 32).activation(Activation.TANH).learningRate(3e-4).build();
    MlpTrainerConfig copied = trainer.toBuilder().build().config();

    assertThat(second.describe()).isEqualTo(first.describe());
    assertThat(copied.describe()).isEqualTo(first.describe());
    assertThat(second).isEqualTo(first).hasSameHashCodeAs(first);
    assertThat(trainer.toString()).isEqualTo(first.describe());
  }

  @Test
  void describesTheDefaultsInTheCanonicalForm() {
    assertThat(defaults().build().config().describe()).isEqualTo(DEFAULTS_DESCRIBED);
  }

  @Test
  void quotesTheFeatureSourceId() {
    MlpTrainerConfig config = MlpValueTrainer.builder().features(new CountingFeatures("a\"b\\c, d=1}", 2)).build()
        .config();

    assertThat(config.describe()).startsWith("MlpValueTrainer/1{features=\"a\\\"b\\\\c, d=1}\", dimension=2, ");
  }
}
