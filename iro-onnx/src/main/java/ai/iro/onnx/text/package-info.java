/**
 * Text: Hugging Face tokenizers loaded offline through DJL ({@link ai.iro.onnx.text.TextTokenizer}),
 * the special tokens transformers adds around a sequence and stops generation on
 * ({@link ai.iro.onnx.text.SpecialTokens}), and sentence encoders.
 */
package ai.iro.onnx.text;
