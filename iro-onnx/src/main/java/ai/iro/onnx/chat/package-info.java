/**
 * Chat: Hugging Face chat templates ({@code chat_template} in {@code tokenizer_config.json} or
 * {@code chat_template.jinja}) rendered byte for byte as transformers renders them
 * ({@link ai.iro.onnx.chat.ChatTemplate}), with a Jinja interpreter of the subset chat templates use.
 */
package ai.iro.onnx.chat;
