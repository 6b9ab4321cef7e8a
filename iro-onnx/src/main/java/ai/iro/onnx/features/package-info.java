/**
 * Feature sources for value heads ({@link ai.iro.core.value.FeatureSource}): the base model's last
 * hidden state ({@link ai.iro.onnx.features.ModelFeatures}) or a sentence encoder's embedding of the
 * text ({@link ai.iro.onnx.features.TextFeatures}), for models that expose no hidden state.
 */
package ai.iro.onnx.features;
