/**
 * ONNX causal language models: {@link ai.iro.onnx.lm.OnnxCausalLM}, the {@link ai.iro.core.model.BaseModel}
 * of models exported in the Hugging Face Optimum decoder-with-past layout, with its batched decoding,
 * its KV cache kept in ONNX Runtime's memory and gathered natively on fork and reorder, and its token
 * sampler (temperature, top-k by partial selection, top-p; seeded per row).
 */
package ai.iro.onnx.lm;
