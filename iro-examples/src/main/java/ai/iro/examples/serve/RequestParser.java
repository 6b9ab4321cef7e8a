package ai.iro.examples.serve;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.data.ChatMessage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and checks the parameters of a completion or chat completion body: the {@code model} it
 * names, {@code n}, the sampling parameters against the server's limits, {@code stop}, and the
 * {@code prompt} or {@code messages}; anything out of range is an {@link ApiError}.
 */
final class RequestParser {
  private static final int MAX_STOP_STRINGS = 4;
  private static final int MAX_STOP_TOKEN_IDS = 64;

  private final String modelName;
  private final Map<String, AlignedPolicy> policies;
  private final List<String> modelNames;
  private final int maxTokensLimit;
  private final int maxN;

  RequestParser(String modelName, Map<String, AlignedPolicy> policies, List<String> modelNames, int maxTokensLimit,
      int maxN) {
    this.modelName = modelName;
    this.policies = policies;
    this.modelNames = modelNames;
    this.maxTokensLimit = maxTokensLimit;
    this.maxN = maxN;
  }

  /**
   * The parameters common to both endpoints; absent sampling parameters stay empty.
   *
   * @param stopTokenIds vLLM's {@code stop_token_ids}, and for chat the template's end of turn
   */
  record Request(String model, Optional<AlignedPolicy> policy, int n, Optional<Integer> maxTokens,
      Optional<Double> temperature, Optional<Double> topP, Optional<Integer> topK, long seed, List<String> stop,
      Set<Integer> stopTokenIds) {
    /** This request, also stopping at {@code ids}. */
    Request stoppingAlsoAt(Set<Integer> ids) {
      Set<Integer> all = new TreeSet<>(stopTokenIds);
      all.addAll(ids);
      return new Request(model, policy, n, maxTokens, temperature, topP, topK, seed, stop, Set.copyOf(all));
    }
  }

  Request request(JsonNode body) {
    JsonNode m = body.get("model");
    if (m == null || !m.isTextual()) {
      throw ApiError.invalidParam("model", "required, a string naming one of " + modelNames);
    }
    String name = m.asText();
    Optional<AlignedPolicy> policy = Optional.ofNullable(policies.get(name));
    if (policy.isEmpty() && !name.equals(modelName)) {
      throw new ApiError(404, "invalid_request_error", "model_not_found",
          "the model " + name + " does not exist; this server has " + modelNames);
    }
    for (String unsupported : List.of("logprobs", "top_logprobs", "echo", "suffix", "best_of", "tools")) {
      if (body.hasNonNull(unsupported) && !body.get(unsupported).equals(BooleanNode.FALSE)) {
        throw ApiError.invalidParam(unsupported, "not supported by this server");
      }
    }
    int n = integer(body, "n").orElse(1);
    if (n < 1 || n > maxN) {
      throw ApiError.invalidParam("n", "must be in [1, " + maxN + "], found " + n);
    }
    if (policy.isPresent() && n > policy.get().searcher().finalsPerPrompt()) {
      throw ApiError.invalidParam("n", "a policy answers with the best finals of one search, which ends with "
          + policy.get().searcher().finalsPerPrompt() + " per prompt; found " + n);
    }
    // Chat clients send max_completion_tokens (max_tokens is deprecated there); it wins when both come.
    String maxField = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    Optional<Integer> maxTokens = integer(body, maxField);
    if (maxTokens.isPresent() && (maxTokens.get() < 1 || maxTokens.get() > maxTokensLimit)) {
      throw ApiError.invalidParam(maxField, "must be in [1, " + maxTokensLimit + "], found " + maxTokens.get());
    }
    Optional<Double> temperature = number(body, "temperature");
    if (temperature.isPresent() && !(temperature.get() >= 0 && temperature.get() <= 2)) {
      throw ApiError.invalidParam("temperature", "must be in [0, 2], found " + temperature.get());
    }
    Optional<Double> topP = number(body, "top_p");
    if (topP.isPresent() && !(topP.get() > 0 && topP.get() <= 1)) {
      throw ApiError.invalidParam("top_p", "must be in (0, 1], found " + topP.get());
    }
    Optional<Integer> topK = integer(body, "top_k");
    if (topK.isPresent() && topK.get() < 0) {
      throw ApiError.invalidParam("top_k", "must be at least 0 (0: off), found " + topK.get());
    }
    JsonNode seed = body.get("seed");
    if (seed != null && !seed.isNull() && !seed.canConvertToLong()) {
      throw ApiError.invalidParam("seed", "must be an integer, found " + seed);
    }
    long s = seed == null || seed.isNull() ? OpenAiServer.DEFAULT_SEED : seed.asLong();
    return new Request(name, policy, n, maxTokens, temperature, topP, topK, s, stop(body.get("stop")),
        stopTokenIds(body.get("stop_token_ids")));
  }

  /** Whether a body asks for server-sent events, and whether their last chunk carries the usage. */
  record Streaming(boolean includeUsage) {}

  /** The body's {@code stream} and {@code stream_options}; empty when it does not stream. */
  static Optional<Streaming> streaming(JsonNode body) {
    JsonNode stream = body.get("stream");
    if (stream != null && !stream.isNull() && !stream.isBoolean()) {
      throw ApiError.invalidParam("stream", "must be true or false, found " + stream);
    }
    JsonNode options = body.get("stream_options");
    if (stream == null || !stream.asBoolean()) {
      if (options != null && !options.isNull()) {
        throw ApiError.invalidParam("stream_options", "only allowed with stream: true");
      }
      return Optional.empty();
    }
    JsonNode usage = options == null || options.isNull() ? null : options.get("include_usage");
    if (options != null && !options.isNull() && (!options.isObject() || (usage != null && !usage.isBoolean()))) {
      throw ApiError.invalidParam("stream_options", "must be {\"include_usage\": true or false}, found " + options);
    }
    return Optional.of(new Streaming(usage != null && usage.asBoolean()));
  }

  private static Optional<Integer> integer(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw ApiError.invalidParam(field, "must be an integer, found " + v);
    }
    return Optional.of(v.asInt());
  }

  private static Optional<Double> number(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isNumber()) {
      throw ApiError.invalidParam(field, "must be a number, found " + v);
    }
    return Optional.of(v.asDouble());
  }

  /** vLLM's {@code stop_token_ids}: up to {@value #MAX_STOP_TOKEN_IDS} ids, each at least 0. */
  private static Set<Integer> stopTokenIds(JsonNode ids) {
    if (ids == null || ids.isNull()) {
      return Set.of();
    }
    if (!ids.isArray() || ids.size() > MAX_STOP_TOKEN_IDS) {
      throw ApiError.invalidParam("stop_token_ids", "must be a list of up to " + MAX_STOP_TOKEN_IDS
          + " token ids, found " + ids);
    }
    Set<Integer> out = new TreeSet<>();
    for (JsonNode id : ids) {
      if (!id.isIntegralNumber() || !id.canConvertToInt() || id.asInt() < 0) {
        throw ApiError.invalidParam("stop_token_ids", "token ids must be integers of at least 0, found " + ids);
      }
      out.add(id.asInt());
    }
    return Set.copyOf(out);
  }

  private static List<String> stop(JsonNode stop) {
    List<String> out = new ArrayList<>();
    if (stop == null || stop.isNull()) {
      return out;
    }
    if (stop.isTextual()) {
      out.add(stop.asText());
    } else if (stop.isArray() && stop.size() <= MAX_STOP_STRINGS) {
      stop.forEach(s -> out.add(s.isTextual() ? s.asText() : ""));
    } else {
      throw ApiError.invalidParam("stop", "must be a string or up to " + MAX_STOP_STRINGS + " strings, found " + stop);
    }
    if (out.contains("")) {
      throw ApiError.invalidParam("stop", "stop strings must be non-empty strings, found " + stop);
    }
    return out;
  }

  /**
   * Whether {@code prompt} is given as token ids: one array of integers, or a list of them (OpenAI's
   * token-array prompts), which the base model reads verbatim.
   */
  static boolean isTokenPrompt(JsonNode prompt) {
    return prompt != null && prompt.isArray() && !prompt.isEmpty()
        && (prompt.get(0).isIntegralNumber() || prompt.get(0).isArray());
  }

  /** The token-id prompts of {@link #isTokenPrompt}: one array of ids, or a non-empty list of them. */
  static List<int[]> tokenPrompts(JsonNode prompt) {
    List<int[]> out = new ArrayList<>();
    if (prompt.get(0).isIntegralNumber()) {
      out.add(ids(prompt, 0));
    } else {
      for (int i = 0; i < prompt.size(); i++) {
        out.add(ids(prompt.get(i), i));
      }
    }
    return out;
  }

  private static int[] ids(JsonNode array, int index) {
    if (!array.isArray() || array.isEmpty()) {
      throw ApiError.invalidParam("prompt", "prompt " + index + " must be a non-empty array of token ids, found "
          + array);
    }
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode id = array.get(i);
      if (!id.isIntegralNumber() || !id.canConvertToInt()) {
        throw ApiError.invalidParam("prompt", "prompt " + index + " has a token id that is not an integer: " + id);
      }
      out[i] = id.asInt();
    }
    return out;
  }

  static List<String> prompts(JsonNode prompt) {
    List<String> out = new ArrayList<>();
    if (prompt != null && prompt.isTextual()) {
      out.add(prompt.asText());
    } else if (prompt != null && prompt.isArray() && !prompt.isEmpty()) {
      prompt.forEach(p -> out.add(p.isTextual() ? p.asText() : null));
    }
    if (out.isEmpty() || out.contains(null)) {
      throw ApiError.invalidParam("prompt", "required, a string, a non-empty list of strings, an array of "
          + "token ids or a non-empty list of such arrays");
    }
    return out;
  }

  static List<ChatMessage> messages(JsonNode messages) {
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw ApiError.invalidParam("messages", "required, a non-empty list of {role, content}");
    }
    List<ChatMessage> out = new ArrayList<>();
    for (JsonNode m : messages) {
      JsonNode role = m.get("role");
      JsonNode content = m.get("content");
      if (role == null || !role.isTextual() || content == null || !content.isTextual()) {
        throw ApiError.invalidParam("messages", "each message needs a string role and a string content (content "
            + "parts are not supported), found " + m);
      }
      out.add(new ChatMessage(role.asText(), content.asText()));
    }
    return out;
  }
}
