package ai.iro.onnx.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reading a Hugging Face model directory's JSON files ({@code tokenizer_config.json},
 * {@code special_tokens_map.json}, {@code generation_config.json}) the way transformers reads them.
 * Shared by {@code SpecialTokens} and {@code ChatTemplate}; not an API.
 */
public final class HfConfig {
  /** The named special tokens transformers passes to chat templates, in its order. */
  public static final List<String> SPECIAL_TOKEN_KEYS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
      "pad_token", "cls_token", "mask_token");

  private static final ObjectMapper JSON = new ObjectMapper();

  private HfConfig() {
  }

  /**
   * The JSON object in {@code file}; a missing node when the file is absent and not required.
   *
   * @throws IllegalArgumentException if the file is required and absent, or is not a JSON object
   *     (the message names the file)
   */
  public static JsonNode read(Path file, boolean required) {
    if (!Files.isRegularFile(file)) {
      if (required) {
        throw new IllegalArgumentException(file + " does not exist");
      }
      return MissingNode.getInstance();
    }
    try {
      JsonNode node = JSON.readTree(file.toFile());
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException(file + " is not a JSON object");
      }
      return node;
    } catch (IOException e) {
      if (e instanceof com.fasterxml.jackson.core.JsonProcessingException p) {
        throw new IllegalArgumentException(file + " is not valid JSON: " + p.getOriginalMessage(), e);
      }
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * The text of a special token as tokenizer_config.json writes it: a string, or an AddedToken
   * object ({@code {"content": ..., "__type": "AddedToken"}}); empty for null or absent.
   */
  public static Optional<String> tokenText(JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return Optional.empty();
    }
    if (value.isTextual()) {
      return Optional.of(value.asText());
    }
    if (value.isObject() && value.path("content").isTextual()) {
      return Optional.of(value.path("content").asText());
    }
    throw new IllegalArgumentException("a special token must be a string or an AddedToken object, found " + value);
  }

  /**
   * The special tokens map transformers passes to chat templates: the named tokens that are set,
   * then {@code additional_special_tokens} when non-empty. A key missing from tokenizer_config.json is
   * taken from special_tokens_map.json.
   */
  public static Map<String, Object> specialTokensMap(JsonNode tokenizerConfig, JsonNode specialTokensMap) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String key : SPECIAL_TOKEN_KEYS) {
      JsonNode v = tokenizerConfig.has(key) ? tokenizerConfig.get(key) : specialTokensMap.path(key);
      tokenText(v).ifPresent(t -> out.put(key, t));
    }
    JsonNode extra = tokenizerConfig.has("additional_special_tokens") ? tokenizerConfig.get("additional_special_tokens")
        : specialTokensMap.path("additional_special_tokens");
    if (extra.isArray() && !extra.isEmpty()) {
      List<String> tokens = new ArrayList<>();
      for (JsonNode t : extra) {
        tokenText(t).ifPresent(tokens::add);
      }
      out.put("additional_special_tokens", List.copyOf(tokens));
    }
    return out;
  }
}
