/**
 * IRO over HTTP: a {@link ai.iro.core.model.BaseModel} served by an OpenAI-compatible engine (vLLM,
 * SGLang, any server of the completions API) and {@link ai.iro.core.reward.RewardModel}s served by
 * vLLM's pooling endpoints or Hugging Face TEI. Pure Java: the JDK's HTTP client and Jackson. Every
 * package is exported except {@code ai.iro.openai.internal}.
 */
module ai.iro.openai {
  requires transitive ai.iro.core;
  requires java.net.http;
  requires com.fasterxml.jackson.databind;
  requires com.google.common;
  requires org.slf4j;

  exports ai.iro.openai;
}
