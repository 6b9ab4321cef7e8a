/**
 * Models behind HTTP: {@link ai.iro.openai.OpenAiCompatibleModel}, a base model served by vLLM,
 * SGLang or another OpenAI-compatible engine, and {@link ai.iro.openai.HttpRewardModel}, a reward
 * model served by vLLM's classification or pooling endpoints or by Hugging Face TEI. Both reach
 * their server through an {@link ai.iro.openai.Endpoint} (address, key, timeouts, concurrency,
 * {@link ai.iro.openai.RetryPolicy}) and report failures as {@link ai.iro.openai.ServerException}.
 */
package ai.iro.openai;
