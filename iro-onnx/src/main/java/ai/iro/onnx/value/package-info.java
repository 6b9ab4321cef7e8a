/**
 * Value heads on frozen features, trained with ND4J: the {@link ai.iro.onnx.value.MlpValueHead}
 * that scores states from a {@link ai.iro.core.value.FeatureSource}'s features (the base model's
 * last hidden state through {@link ai.iro.onnx.features.ModelFeatures}, or a text encoder), its
 * {@link ai.iro.onnx.value.MlpValueTrainer} and the trainer's settings,
 * {@link ai.iro.onnx.value.MlpTrainerConfig}. Package-private helpers each do one part of a
 * training: the states ({@code TrainingSet}, built by {@code ExampleStates}, with their rows in
 * memory or in a disk cache, {@code FeatureCache}, and an optional {@code PrefixSample} of each
 * example's prefixes), their standardisation, the network's forward and
 * backward passes ({@code Mlp}), the optimiser's state and the run's epochs ({@code TrainingRun}).
 */
package ai.iro.onnx.value;
