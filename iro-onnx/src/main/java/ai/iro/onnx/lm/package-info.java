/** ONNX causal language models: {@link ai.iro.onnx.lm.OnnxCausalLM}, its KV cache and token sampling. */
package ai.iro.onnx.lm;
