package ai.iro.examples.serve;

import ai.iro.onnx.chat.ChatTemplate;
import ai.iro.onnx.lm.OnnxCausalLM;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The two generating endpoints: {@code /v1/completions} and {@code /v1/chat/completions} each parse
 * the body, render chat messages with the model's chat template, generate, and write the OpenAI
 * response object with its choices and usage.
 */
final class Completions {
  private final String modelName;
  private final OnnxCausalLM model;
  private final Optional<ChatTemplate> chatTemplate;
  private final RequestParser parser;
  private final Generator generator;

  Completions(String modelName, OnnxCausalLM model, Optional<ChatTemplate> chatTemplate, RequestParser parser) {
    this.modelName = modelName;
    this.model = model;
    this.chatTemplate = chatTemplate;
    this.parser = parser;
    this.generator = new Generator(model);
  }

  ObjectNode completion(JsonNode body) {
    RequestParser.Request r = parser.request(body);
    JsonNode prompt = body.get("prompt");
    Generator.Result result = RequestParser.isTokenPrompt(prompt)
        ? generator.generateTokens(r, RequestParser.tokenPrompts(prompt))
        : generator.generate(r, RequestParser.prompts(prompt));
    // vLLM's return_token_ids: each choice carries its prompt's ids and its own sampled ids.
    boolean returnIds = body.path("return_token_ids").asBoolean(false);
    ObjectNode out = header("cmpl-", "text_completion", r.model());
    ArrayNode choices = out.putArray("choices");
    for (int i = 0; i < result.choices().size(); i++) {
      Generator.Choice c = result.choices().get(i);
      ObjectNode choice = choices.addObject().put("index", i).put("text", c.text());
      choice.putNull("logprobs").put("finish_reason", c.finish());
      if (returnIds) {
        ids(choice.putArray("prompt_token_ids"), result.promptIds().get(i / r.n()));
        ids(choice.putArray("token_ids"), c.tokenIds());
      }
    }
    usage(out, result);
    return out;
  }

  ObjectNode chatCompletion(JsonNode body) {
    RequestParser.Request r = parser.request(body);
    ChatTemplate template = chatTemplate.orElseThrow(() -> ApiError.invalid(
        "model " + modelName + " has no chat template; use /v1/completions"));
    // The model puts its own prefix (BOS) before every prompt, so the template must not write it again.
    Map<String, ?> noBos = model.promptPrefix().isEmpty() || !template.specialTokens().containsKey("bos_token")
        ? Map.of() : Map.of("bos_token", "");
    String prompt = template.render(RequestParser.messages(body.get("messages")), true, noBos);
    Generator.Result result = generator.generate(r, List.of(prompt));
    ObjectNode out = header("chatcmpl-", "chat.completion", r.model());
    ArrayNode choices = out.putArray("choices");
    for (int i = 0; i < result.choices().size(); i++) {
      Generator.Choice c = result.choices().get(i);
      ObjectNode choice = choices.addObject().put("index", i);
      choice.putObject("message").put("role", "assistant").put("content", c.text()).putNull("refusal");
      choice.putNull("logprobs").put("finish_reason", c.finish());
    }
    usage(out, result);
    return out;
  }

  private static void ids(ArrayNode array, int[] ids) {
    for (int id : ids) {
      array.add(id);
    }
  }

  private static ObjectNode header(String idPrefix, String object, String model) {
    return HttpJson.JSON.createObjectNode().put("id", idPrefix + UUID.randomUUID().toString().replace("-", ""))
        .put("object", object).put("created", System.currentTimeMillis() / 1000).put("model", model);
  }

  private static void usage(ObjectNode out, Generator.Result result) {
    out.putObject("usage").put("prompt_tokens", result.promptTokens())
        .put("completion_tokens", result.completionTokens())
        .put("total_tokens", result.promptTokens() + result.completionTokens());
  }
}
