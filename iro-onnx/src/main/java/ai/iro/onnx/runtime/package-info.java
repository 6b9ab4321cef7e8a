/**
 * ONNX Runtime plumbing: the process-wide environment, loaded safely on a large-stack thread
 * ({@link ai.iro.onnx.runtime.OrtRuntime}), the devices a model runs on
 * ({@link ai.iro.onnx.runtime.Device}: the CPU, or a CUDA GPU with the {@code -Pcuda} build) and
 * sessions with their options ({@link ai.iro.onnx.runtime.OnnxSession}).
 */
package ai.iro.onnx.runtime;
