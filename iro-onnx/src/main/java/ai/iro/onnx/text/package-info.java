/** Text: Hugging Face tokenizers (through DJL). */
package ai.iro.onnx.text;
