package ai.iro.examples.serve;

import ai.iro.onnx.chat.ChatTemplate;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.text.SpecialTokens;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
  /** The ids a chat reply ends at: the model's end of sequence and the template's end of turn. */
  private final Set<Integer> endOfTurn;
  private final RequestParser parser;
  private final Generator generator;

  Completions(String modelName, OnnxCausalLM model, Optional<ChatTemplate> chatTemplate, RequestParser parser,
      DecodeBatcher batcher) {
    this.modelName = modelName;
    this.model = model;
    this.chatTemplate = chatTemplate;
    this.endOfTurn = chatTemplate.map(t -> SpecialTokens.load(model.directory()).chatEosTokenIds(t))
        .orElse(Set.of());
    this.parser = parser;
    this.generator = new Generator(model, batcher);
  }

  ObjectNode completion(JsonNode body) {
    RequestParser.Request r = parser.request(body);
    Generator.Result result = unchecked(() -> prompted(r, body, Optional.empty()));
    boolean returnIds = returnsIds(body);
    ObjectNode out = header("cmpl-", "text_completion", r.model());
    ArrayNode choices = out.putArray("choices");
    for (int i = 0; i < result.choices().size(); i++) {
      Generator.Choice c = result.choices().get(i);
      ObjectNode choice = choices.addObject().put("index", i).put("text", c.text());
      choice.putNull("logprobs").put("finish_reason", c.finish());
      if (returnIds) {
        ids(choice, result, r, i);
      }
    }
    usage(out, result);
    return out;
  }

  ObjectNode chatCompletion(JsonNode body) {
    RequestParser.Request r = parser.request(body).stoppingAlsoAt(endOfTurn);
    Generator.Result result = unchecked(() -> generator.generate(r, List.of(chatPrompt(body)), Optional.empty()));
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

  /** Generates for a completions body: its prompt as token ids (read verbatim) or as text. */
  private Generator.Result prompted(RequestParser.Request r, JsonNode body, Optional<Generator.Pieces> pieces)
      throws IOException {
    JsonNode prompt = body.get("prompt");
    return RequestParser.isTokenPrompt(prompt)
        ? generator.generateTokens(r, RequestParser.tokenPrompts(prompt), pieces)
        : generator.generate(r, RequestParser.prompts(prompt), pieces);
  }

  /** The messages rendered with the model's chat template. */
  private String chatPrompt(JsonNode body) {
    ChatTemplate template = chatTemplate.orElseThrow(() -> ApiError.invalid(
        "model " + modelName + " has no chat template; use /v1/completions"));
    // The model puts its own prefix (BOS) before every prompt, so the template must not write it again.
    Map<String, ?> noBos = model.promptPrefix().isEmpty() || !template.specialTokens().containsKey("bos_token")
        ? Map.of() : Map.of("bos_token", "");
    return template.render(RequestParser.messages(body.get("messages")), true, noBos);
  }

  /**
   * Answers a body with {@code stream: true} as server-sent events: chunks of each choice's text as it
   * is generated ({@code text} for completions, {@code delta} for chat, whose first chunk per choice
   * carries the role), one chunk per choice with its {@code finish_reason} (for completions with
   * {@code return_token_ids}, also the choice's {@code prompt_token_ids} and {@code token_ids}), the
   * usage chunk when {@code stream_options.include_usage} asks for it, then {@code [DONE]}.
   */
  void stream(JsonNode body, boolean chat, RequestParser.Streaming streaming, EventStream events) throws IOException {
    RequestParser.Request r = chat ? parser.request(body).stoppingAlsoAt(endOfTurn) : parser.request(body);
    ObjectNode header = header(chat ? "chatcmpl-" : "cmpl-", chat ? "chat.completion.chunk" : "text_completion",
        r.model());
    boolean[] started = new boolean[chat ? r.n() : 0];
    Generator.Pieces pieces = (i, text) -> {
      if (chat && !started[i]) {
        started[i] = true;
        events.send(chunk(header, streaming, true, i, "", null));
      }
      events.send(chunk(header, streaming, chat, i, text, null));
    };
    Generator.Result result = chat ? generator.generate(r, List.of(chatPrompt(body)), Optional.of(pieces))
        : prompted(r, body, Optional.of(pieces));
    boolean returnIds = !chat && returnsIds(body);
    for (int i = 0; i < result.choices().size(); i++) {
      if (chat && !started[i]) {
        events.send(chunk(header, streaming, true, i, "", null));
      }
      ObjectNode last = chunk(header, streaming, chat, i, null, result.choices().get(i).finish());
      if (returnIds) {
        ids((ObjectNode) last.get("choices").get(0), result, r, i);
      }
      events.send(last);
    }
    if (streaming.includeUsage()) {
      ObjectNode last = header.deepCopy();
      last.putArray("choices");
      usage(last, result);
      events.send(last);
    }
    events.done();
  }

  /** One chunk: {@code text} null for the finish chunk; for chat an empty text is the role chunk. */
  private static ObjectNode chunk(ObjectNode header, RequestParser.Streaming streaming, boolean chat, int index,
      String text, String finish) {
    ObjectNode out = header.deepCopy();
    ObjectNode choice = out.putArray("choices").addObject().put("index", index);
    if (chat) {
      ObjectNode delta = choice.putObject("delta");
      if (text != null && text.isEmpty()) {
        delta.put("role", "assistant").put("content", "");
      } else if (text != null) {
        delta.put("content", text);
      }
    } else {
      choice.put("text", text == null ? "" : text);
    }
    choice.putNull("logprobs").put("finish_reason", finish);
    if (streaming.includeUsage()) {
      out.putNull("usage");
    }
    return out;
  }

  /** Whether the body asks for vLLM's {@code return_token_ids}. */
  private static boolean returnsIds(JsonNode body) {
    return body.path("return_token_ids").asBoolean(false);
  }

  /** vLLM's return_token_ids: choice {@code i} carries its prompt's ids and its own sampled ids. */
  private static void ids(ObjectNode choice, Generator.Result result, RequestParser.Request r, int i) {
    ArrayNode prompt = choice.putArray("prompt_token_ids");
    for (int id : result.promptIds().get(i / r.n())) {
      prompt.add(id);
    }
    ArrayNode sampled = choice.putArray("token_ids");
    for (int id : result.choices().get(i).tokenIds()) {
      sampled.add(id);
    }
  }

  /** Runs a generation that writes nothing, so cannot fail with an {@link IOException}. */
  private static Generator.Result unchecked(Generation generation) {
    try {
      return generation.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private interface Generation {
    Generator.Result run() throws IOException;
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
