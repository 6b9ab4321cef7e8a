/**
 * Internals of {@link ai.iro.onnx.lm.OnnxCausalLM}'s decoding that code outside the package needs:
 * the token sampler ({@link ai.iro.onnx.lm.internal.TokenSampler}, with its top-k selection), used by
 * the decoding in {@code ai.iro.onnx.lm} and measured on its own by
 * {@code ai.iro.bench.TokenSamplerBenchmark}. The rest of the decoding stays package-private in
 * {@code ai.iro.onnx.lm}.
 *
 * <p>Not an API: it may change without notice. When the module gets a descriptor, this package is
 * exported only to the benchmarks ({@code exports ai.iro.onnx.lm.internal to ai.iro.bench;}), never
 * to everyone. Sampling settings are chosen through {@link ai.iro.core.model.Sampling}, and
 * next-token distributions read through {@link ai.iro.core.model.Decoding#candidates}.
 */
package ai.iro.onnx.lm.internal;
