/**
 * Value heads on frozen features, trained with ND4J: a {@link ai.iro.core.value.FeatureSource}
 * (the base model's last hidden state through {@link ai.iro.onnx.features.ModelFeatures}, or a text
 * encoder), the {@link ai.iro.onnx.value.MlpValueHead} that scores states from those features, and
 * its {@link ai.iro.onnx.value.MlpValueTrainer}.
 */
package ai.iro.onnx.value;

import ai.iro.core.value.FeatureSource;
import ai.iro.onnx.features.ModelFeatures;
