/**
 * {@code iro serve}: an OpenAI-compatible HTTP server over a base model and aligned policies
 * ({@link ai.iro.examples.serve.OpenAiServer}). Completions, chat completions for models with a
 * chat template, the model list and a health check; no streaming and no batching across requests.
 */
package ai.iro.examples.serve;
