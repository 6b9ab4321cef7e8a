package ai.iro.openai;

/**
 * How a token-mode {@link OpenAiCompatibleModel} asks the server for the ids of the tokens it
 * sampled. Whatever was asked, a response is read by its shape: {@code choices[i].token_ids} when
 * present, else {@code choices[i].logprobs.tokens} written as {@code "token_id:<id>"}; a response
 * with neither fails with an {@link InvalidResponseException} that names this setting.
 */
public enum TokenIds {
  /**
   * Sends {@code "return_token_ids": true} and reads {@code choices[i].token_ids}: vLLM 0.10.2 and
   * later (vllm-project/vllm#22587), and SGLang versions that include sgl-project/sglang#30917.
   */
  RETURN_TOKEN_IDS,
  /**
   * Sends {@code "logprobs": 0} and {@code "return_tokens_as_token_ids": true} and reads
   * {@code choices[i].logprobs.tokens}: vLLM releases before 0.10.2 that know the per-request
   * {@code return_tokens_as_token_ids} (or were started with {@code --return-tokens-as-token-ids}).
   * The server also computes each sampled token's log-probability, a small extra cost.
   */
  LOGPROBS
}
