/**
 * Text: Hugging Face tokenizers loaded offline through DJL ({@link ai.iro.onnx.text.TextTokenizer}).
 */
package ai.iro.onnx.text;
