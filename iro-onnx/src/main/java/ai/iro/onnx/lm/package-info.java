/**
 * ONNX causal language models: {@link ai.iro.onnx.lm.OnnxCausalLM}, the {@link ai.iro.core.model.BaseModel}
 * of models exported in the Hugging Face Optimum decoder-with-past layout, with its batched decoding,
 * its KV cache kept in ONNX Runtime's memory and gathered natively on fork and reorder, and its token
 * sampler (temperature, top-k by partial selection, top-p; seeded per row).
 *
 * <p>Inside, what a model is stays apart from how it runs: {@code ModelDirectory} reads the files
 * and JSON configs and {@code DecoderSpec} the graph (names, optional inputs, cache shape, special
 * tokens); {@code DecoderRuntime} holds the sessions, the tokenizer and the buffer pool;
 * {@code ModelInputs} builds the inputs of every pass, the full forward pass and the decoding steps
 * alike; {@code PrefixPass} packs many responses into few full passes for value training's
 * features; {@code OnnxDecoding} runs the loop over its {@code DecodingRows} (per-row state, forks and
 * reorders) and {@code StopRule}, and {@code DecodingPasses} its prefill and steps over the
 * {@code KvCache} (laid out before each step by {@code StepSlots}: gathered on forks, compacted when
 * rows finish, its padding dropped before the shared cache would pass the context) and the
 * {@code OutputBuffers}. The sampler lives in {@link ai.iro.onnx.lm.internal}.
 */
package ai.iro.onnx.lm;
