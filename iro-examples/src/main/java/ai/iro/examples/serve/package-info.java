/**
 * {@code iro serve}: an OpenAI-compatible HTTP server over a base model and aligned policies
 * ({@link ai.iro.examples.serve.OpenAiServer}). Completions, chat completions for models with a
 * chat template (both streamed on request), the model list and a health check; base-model requests,
 * text or token-id prompts, are batched across concurrent callers ({@code DecodeBatcher}).
 */
package ai.iro.examples.serve;
