package ai.iro.openai.internal;

import ai.iro.core.model.Sampling;
import ai.iro.openai.TokenIds;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The JSON of the completions API ({@code POST /completions}) as IRO uses it: one request for a
 * list of prompts, token ids or texts, each sampled {@code n} times; and the validated reading of
 * its choices. Field names follow OpenAI's legacy completions API and vLLM's extensions to it.
 */
public final class Completions {
  /** The path after the base URL. */
  public static final String PATH = "/completions";
  private static final String TOKEN_ID_PREFIX = "token_id:";

  private Completions() {}

  /** How a choice ended, from {@code finish_reason}. */
  public enum Finish {
    /** {@code "stop"}: an end-of-sequence or stop token, or a stop string. */
    STOP,
    /** {@code "length"}: {@code max_tokens} or the model's context. */
    LENGTH
  }

  /**
   * One choice: its text, its token ids when the server gave them, how it ended, and the stop
   * string that ended it when the server says so (vLLM's {@code stop_reason}).
   */
  public record Choice(String text, Optional<int[]> tokenIds, Finish finish, Optional<String> stopString) {}

  /** What one request asks for, besides its prompts. */
  public record Settings(String model, int n, int maxTokens, Sampling sampling, OptionalLong seed,
      boolean samplingExtensions, Optional<TokenIds> tokenIds) {}

  /**
   * The request body.
   *
   * @param prompts the prompts: each an {@code int[]} of token ids or a {@code String}
   * @param s the rest of the request
   */
  public static ObjectNode request(List<?> prompts, Settings s) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("model", s.model());
    ArrayNode list = body.putArray("prompt");
    for (Object p : prompts) {
      if (p instanceof int[]) {
        ArrayNode ids = list.addArray();
        for (int id : (int[]) p) {
          ids.add(id);
        }
      } else {
        list.add((String) p);
      }
    }
    body.put("max_tokens", s.maxTokens());
    Sampling sampling = s.sampling();
    body.put("temperature", sampling.temperature());
    if (!sampling.isGreedy()) {
      body.put("top_p", sampling.topP());
      if (s.samplingExtensions() && sampling.topK() > 0) {
        body.put("top_k", sampling.topK());
      }
    }
    if (s.n() > 1) {
      body.put("n", s.n());
    }
    s.seed().ifPresent(seed -> body.put("seed", seed));
    if (!sampling.stopStrings().isEmpty()) {
      ArrayNode stop = body.putArray("stop");
      sampling.stopStrings().forEach(stop::add);
      if (s.samplingExtensions()) {
        body.put("include_stop_str_in_output", true);
      }
    }
    if (!sampling.stopTokenIds().isEmpty()) {
      ArrayNode ids = body.putArray("stop_token_ids");
      sampling.stopTokenIds().forEach(ids::add);
    }
    s.tokenIds().ifPresent(mode -> {
      if (mode == TokenIds.RETURN_TOKEN_IDS) {
        body.put("return_token_ids", true);
      } else {
        body.put("logprobs", 0);
        body.put("return_tokens_as_token_ids", true);
      }
    });
    return body;
  }

  /**
   * Reads the choices of a reply, {@code [prompt][sample]}: choice {@code index} {@code p * n + s}
   * is sample {@code s} of prompt {@code p}, as vLLM and OpenAI number them.
   *
   * @param reply the reply
   * @param what names the request in messages
   * @param prompts the number of prompts sent
   * @param s the request's settings
   * @param vocabularySize the tokenizer's vocabulary size when token ids are required, else 0
   * @throws ai.iro.openai.InvalidResponseException if a choice is missing, surplus, numbered twice,
   *     lacks a field, ends for another reason, or (token ids required) lacks ids, holds more than
   *     {@code max_tokens} of them or one outside the vocabulary
   */
  public static Choice[][] parse(HttpTransport.Reply reply, String what, int prompts, Settings s, int vocabularySize) {
    int n = s.n();
    JsonNode choices = reply.body().path("choices");
    if (!choices.isArray()) {
      throw reply.invalid(what + " answered without a choices array: " + abbreviate(reply.body()));
    }
    int expected = prompts * n;
    if (choices.size() != expected) {
      throw reply.invalid(what + " answered with " + choices.size() + " choices for " + prompts + " prompts and n = "
          + n + ": expected " + expected);
    }
    Choice[][] out = new Choice[prompts][n];
    for (JsonNode c : choices) {
      JsonNode index = c.path("index");
      if (!index.canConvertToInt() || !index.isIntegralNumber() || index.asInt() < 0 || index.asInt() >= expected) {
        throw reply.invalid(what + " answered with a choice whose index is " + index + ": expected 0 to "
            + (expected - 1));
      }
      int i = index.asInt();
      if (out[i / n][i % n] != null) {
        throw reply.invalid(what + " answered with choice index " + i + " twice");
      }
      out[i / n][i % n] = choice(reply, what + " choice " + i, c, s.maxTokens(), vocabularySize);
    }
    return out;
  }

  private static Choice choice(HttpTransport.Reply reply, String what, JsonNode c, int maxTokens, int vocabularySize) {
    JsonNode text = c.path("text");
    if (!text.isTextual()) {
      throw reply.invalid(what + " has no text field: " + abbreviate(c));
    }
    String reason = c.path("finish_reason").asText(null);
    Finish finish;
    if ("stop".equals(reason)) {
      finish = Finish.STOP;
    } else if ("length".equals(reason)) {
      finish = Finish.LENGTH;
    } else {
      throw reply.invalid(what + " has finish_reason " + c.path("finish_reason")
          + ": expected \"stop\" or \"length\" (a missing or other reason means the server did not complete it)");
    }
    JsonNode stopReason = c.path("stop_reason");
    Optional<String> stopString = stopReason.isTextual() ? Optional.of(stopReason.asText()) : Optional.empty();
    Optional<int[]> ids = vocabularySize > 0 ? Optional.of(tokenIds(reply, what, c, maxTokens, vocabularySize))
        : Optional.empty();
    return new Choice(text.asText(), ids, finish, stopString);
  }

  private static int[] tokenIds(HttpTransport.Reply reply, String what, JsonNode c, int maxTokens, int vocabularySize) {
    JsonNode ids = c.path("token_ids");
    JsonNode logprobTokens = c.path("logprobs").path("tokens");
    int[] out;
    if (ids.isArray()) {
      out = new int[ids.size()];
      for (int i = 0; i < out.length; i++) {
        JsonNode id = ids.get(i);
        if (!id.isIntegralNumber() || !id.canConvertToInt()) {
          throw reply.invalid(what + " has a token id that is not an integer: " + id);
        }
        out[i] = id.asInt();
      }
    } else if (logprobTokens.isArray() && logprobTokens.size() > 0
        && logprobTokens.get(0).asText("").startsWith(TOKEN_ID_PREFIX)) {
      out = new int[logprobTokens.size()];
      for (int i = 0; i < out.length; i++) {
        String token = logprobTokens.get(i).asText("");
        try {
          if (!token.startsWith(TOKEN_ID_PREFIX)) {
            throw new NumberFormatException();
          }
          out[i] = Integer.parseInt(token.substring(TOKEN_ID_PREFIX.length()));
        } catch (NumberFormatException e) {
          throw reply.invalid(what + " has logprobs token \"" + token + "\": expected \"token_id:<id>\"");
        }
      }
    } else {
      throw reply.invalid(what + " carries no token ids (neither token_ids nor logprobs.tokens as \"token_id:<id>\"). "
          + "Token mode needs a server that returns them: vLLM >= 0.10.2 or SGLang with return_token_ids "
          + "(TokenIds.RETURN_TOKEN_IDS), older vLLM with TokenIds.LOGPROBS; any other server only in text mode "
          + "(no tokenizer)");
    }
    if (out.length > maxTokens) {
      throw reply.invalid(what + " has " + out.length + " token ids, more than max_tokens = " + maxTokens);
    }
    for (int id : out) {
      if (id < 0 || id >= vocabularySize) {
        throw reply.invalid(what + " has token id " + id + ", outside the tokenizer's vocabulary of " + vocabularySize
            + " ids: is the local tokenizer the served model's?");
      }
    }
    return out;
  }

  /** The usage the server reported, {prompt_tokens, completion_tokens}, zeros where absent. */
  public static long[] usage(JsonNode body) {
    JsonNode usage = body.path("usage");
    return new long[] {usage.path("prompt_tokens").asLong(0), usage.path("completion_tokens").asLong(0)};
  }

  static String abbreviate(JsonNode node) {
    String s = node.toString();
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }
}
