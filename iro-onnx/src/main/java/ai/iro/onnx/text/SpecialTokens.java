package ai.iro.onnx.text;

import ai.iro.core.data.ChatMessage;
import ai.iro.onnx.chat.ChatTemplate;
import ai.iro.onnx.chat.ChatTemplateException;
import ai.iro.onnx.internal.HfConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The special tokens of a Hugging Face model directory, decided as transformers decides them: which
 * ids {@code tokenizer(text)} (with {@code add_special_tokens=True}) puts before and after a single
 * sequence, which ids end generation, and the end-of-turn token of its chat template.
 *
 * <pre>{@code
 * SpecialTokens special = SpecialTokens.load(Path.of("models/llama-3.1-8b-instruct"));
 * int[] ids = special.addTo(tokenizer.encode("Hello"));     // [128000, 9906]
 * Set<Integer> stop = special.eosTokenIds();                 // [128001, 128008, 128009]
 * Set<Integer> chatStop = special.chatEosTokenIds(ChatTemplate.load(dir)); // adds <|eot_id|> if missing
 * }</pre>
 *
 * <p><b>Around a sequence.</b> Tokenizers whose class rebuilds its post-processor from
 * {@code add_bos_token} and {@code add_eos_token} ({@link #FLAG_CLASSES}: Llama, Code Llama, Gemma,
 * Cohere; defaults true and false), and any tokenizer whose {@code tokenizer_config.json} sets either
 * flag (transformers 5; defaults false), put {@code bos_token} first when {@code add_bos_token} and
 * {@code eos_token} last when {@code add_eos_token}. Otherwise {@code tokenizer.json}'s
 * {@code post_processor} decides: {@code TemplateProcessing} adds its {@code single} template's special
 * tokens, {@code BertProcessing} and {@code RobertaProcessing} add {@code cls} and {@code sep},
 * {@code ByteLevel} and none add nothing, and a {@code Sequence} applies its processors in turn. So
 * Llama 2 and Gemma get {@code <s>}/{@code <bos>}, Llama 3.1 {@code <|begin_of_text|>} (from its
 * template), and GPT-2, the first Llama 3 release and Qwen nothing.
 *
 * <p><b>End of sequence.</b> {@link #eosTokenIds()} is {@code generation_config.json}'s
 * {@code eos_token_id} (an int or a list), else {@code config.json}'s, else the tokenizer's
 * {@code eos_token}: what {@code model.generate} stops on. A chat model also stops at the end of the
 * assistant's turn; {@link #chatEosTokenIds} adds the token its template closes a turn with.
 *
 * <p>Immutable and thread safe.
 */
public final class SpecialTokens {
  /** Tokenizer classes whose post-processor follows {@code add_bos_token}/{@code add_eos_token}, default true/false. */
  public static final Set<String> FLAG_CLASSES = Set.of("LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer",
      "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast", "CohereTokenizer", "CohereTokenizerFast");

  private static final String PROBE_USER = "Say the probe word.";
  private static final String PROBE_ANSWER = "IRO probe answer 7Q";

  private final Path directory;
  /** Added tokens, and the named special tokens found in the vocabulary; the full vocabulary is not kept. */
  private final ImmutableMap<String, Integer> ids;
  private final ImmutableSet<String> addedTokens;
  private final ImmutableList<Integer> prefix;
  private final ImmutableList<Integer> suffix;
  private final Optional<String> bosToken;
  private final Optional<String> eosToken;
  private final ImmutableSet<Integer> eosTokenIds;
  private final ImmutableMap<String, Object> templateVariables;
  private final String rule;

  private SpecialTokens(Path directory) {
    this.directory = directory;
    JsonNode tokenizer = HfConfig.read(directory.resolve("tokenizer.json"), true);
    JsonNode config = HfConfig.read(directory.resolve("tokenizer_config.json"), false);
    JsonNode specialMap = HfConfig.read(directory.resolve("special_tokens_map.json"), false);
    Map<String, Integer> added = new LinkedHashMap<>();
    for (JsonNode t : tokenizer.path("added_tokens")) {
      added.put(t.path("content").asText(), t.path("id").asInt());
    }
    this.addedTokens = ImmutableSet.copyOf(added.keySet());
    Map<String, Object> named = HfConfig.specialTokensMap(config, specialMap);
    this.templateVariables = ImmutableMap.copyOf(named);
    JsonNode vocab = tokenizer.path("model").path("vocab");
    for (Object value : named.values()) {
      for (Object token : value instanceof List<?> l ? l : List.of(value)) {
        String t = (String) token;
        if (!added.containsKey(t)) {
          vocabularyId(vocab, t).ifPresent(id -> added.put(t, id));
        }
      }
    }
    this.ids = ImmutableMap.copyOf(added);
    this.bosToken = Optional.ofNullable((String) named.get("bos_token"));
    this.eosToken = Optional.ofNullable((String) named.get("eos_token"));

    String tokenizerClass = config.path("tokenizer_class").asText("");
    boolean classFlags = FLAG_CLASSES.contains(tokenizerClass);
    boolean explicitFlags = config.has("add_bos_token") || config.has("add_eos_token");
    List<Integer> before = new ArrayList<>();
    List<Integer> after = new ArrayList<>();
    if (classFlags || explicitFlags) {
      boolean addBos = config.path("add_bos_token").asBoolean(classFlags);
      boolean addEos = config.path("add_eos_token").asBoolean(false);
      if (addBos) {
        bosToken.flatMap(this::idOf).ifPresent(before::add);
      }
      if (addEos) {
        eosToken.flatMap(this::idOf).ifPresent(after::add);
      }
      this.rule = (classFlags ? tokenizerClass + " " : "") + "add_bos_token=" + addBos + ", add_eos_token=" + addEos
          + " in tokenizer_config.json";
    } else {
      postProcess(tokenizer.path("post_processor"), before, after);
      JsonNode pp = tokenizer.path("post_processor");
      this.rule = "post_processor " + (pp.isMissingNode() || pp.isNull() ? "none" : pp.path("type").asText())
          + " in tokenizer.json";
    }
    this.prefix = ImmutableList.copyOf(before);
    this.suffix = ImmutableList.copyOf(after);
    this.eosTokenIds = ImmutableSet.copyOf(readEosIds(directory));
  }

  /**
   * Reads {@code tokenizer.json} (required), and {@code tokenizer_config.json},
   * {@code special_tokens_map.json}, {@code generation_config.json} and {@code config.json} where present.
   *
   * @throws IllegalArgumentException if tokenizer.json is missing, a file is not valid JSON, or a
   *     post-processor or {@code eos_token_id} has a form transformers would not accept (the message
   *     names the file and the value)
   */
  public static SpecialTokens load(Path modelDirectory) {
    Objects.requireNonNull(modelDirectory, "modelDirectory");
    try {
      return new SpecialTokens(modelDirectory);
    } catch (IllegalArgumentException e) {
      String message = String.valueOf(e.getMessage());
      if (message.contains(modelDirectory.toString())) {
        throw e;
      }
      throw new IllegalArgumentException("the tokenizer files of " + modelDirectory + " (tokenizer.json, "
          + "tokenizer_config.json, special_tokens_map.json) are not what transformers reads: " + message, e);
    }
  }

  private void postProcess(JsonNode pp, List<Integer> before, List<Integer> after) {
    if (pp.isMissingNode() || pp.isNull()) {
      return;
    }
    String type = pp.path("type").asText();
    switch (type) {
      case "ByteLevel" -> { }
      case "Sequence" -> {
        for (JsonNode p : pp.path("processors")) {
          postProcess(p, before, after);
        }
      }
      case "TemplateProcessing" -> {
        List<Integer> head = new ArrayList<>();
        List<Integer> tail = new ArrayList<>();
        boolean seenSequence = false;
        for (JsonNode piece : pp.path("single")) {
          if (piece.has("Sequence")) {
            if (!piece.path("Sequence").path("id").asText().equals("A")) {
              throw new IllegalArgumentException("TemplateProcessing in " + directory.resolve("tokenizer.json")
                  + " has sequence " + piece.path("Sequence").path("id") + " in its single template, expected A");
            }
            seenSequence = true;
          } else if (piece.has("SpecialToken")) {
            String id = piece.path("SpecialToken").path("id").asText();
            JsonNode ids = pp.path("special_tokens").path(id).path("ids");
            if (!ids.isArray()) {
              throw new IllegalArgumentException("TemplateProcessing in " + directory.resolve("tokenizer.json")
                  + " uses special token " + id + " but its special_tokens do not define its ids");
            }
            for (JsonNode n : ids) {
              (seenSequence ? tail : head).add(n.asInt());
            }
          } else {
            throw new IllegalArgumentException("unknown piece " + piece + " in the TemplateProcessing of "
                + directory.resolve("tokenizer.json"));
          }
        }
        before.addAll(0, head);
        after.addAll(tail);
      }
      case "BertProcessing", "RobertaProcessing" -> {
        before.add(0, pp.path("cls").path(1).asInt());
        after.add(pp.path("sep").path(1).asInt());
      }
      default -> throw new IllegalArgumentException("post_processor type \"" + type + "\" in "
          + directory.resolve("tokenizer.json") + " is not supported; expected TemplateProcessing, ByteLevel, "
          + "BertProcessing, RobertaProcessing or Sequence");
    }
  }

  private List<Integer> readEosIds(Path dir) {
    for (String file : List.of("generation_config.json", "config.json")) {
      JsonNode eos = HfConfig.read(dir.resolve(file), false).path("eos_token_id");
      if (!eos.isMissingNode() && !eos.isNull()) {
        return eosIds(eos, dir.resolve(file));
      }
    }
    return eosToken.flatMap(this::idOf).map(List::of).orElse(List.of());
  }

  private static List<Integer> eosIds(JsonNode eos, Path file) {
    List<Integer> out = new ArrayList<>();
    if (eos.isIntegralNumber()) {
      out.add(eos.asInt());
      return out;
    }
    if (eos.isArray()) {
      for (JsonNode n : eos) {
        if (!n.isIntegralNumber()) {
          throw new IllegalArgumentException("eos_token_id in " + file + " must be an integer or a list of integers, "
              + "found " + eos);
        }
        out.add(n.asInt());
      }
      return out;
    }
    throw new IllegalArgumentException("eos_token_id in " + file + " must be an integer or a list of integers, found "
        + eos);
  }

  /** The ids put before a single sequence's own ids, in order; empty when none. */
  public List<Integer> prefix() {
    return prefix;
  }

  /** The ids put after a single sequence's own ids, in order; empty when none. */
  public List<Integer> suffix() {
    return suffix;
  }

  /** {@code ids} with {@link #prefix()} before and {@link #suffix()} after: transformers' {@code add_special_tokens=True}. */
  public int[] addTo(int[] ids) {
    Objects.requireNonNull(ids, "ids");
    int[] out = new int[prefix.size() + ids.length + suffix.size()];
    for (int i = 0; i < prefix.size(); i++) {
      out[i] = prefix.get(i);
    }
    System.arraycopy(ids, 0, out, prefix.size(), ids.length);
    for (int i = 0; i < suffix.size(); i++) {
      out[prefix.size() + ids.length + i] = suffix.get(i);
    }
    return out;
  }

  /** The tokenizer's {@code bos_token} text, if it has one. */
  public Optional<String> bosToken() {
    return bosToken;
  }

  /** The tokenizer's {@code eos_token} text, if it has one. */
  public Optional<String> eosToken() {
    return eosToken;
  }

  /** The id of the tokenizer's {@code bos_token}, if it has one in the vocabulary. */
  public Optional<Integer> bosTokenId() {
    return bosToken.flatMap(this::idOf);
  }

  /** The id of the tokenizer's {@code eos_token}, if it has one in the vocabulary. */
  public Optional<Integer> eosTokenId() {
    return eosToken.flatMap(this::idOf);
  }

  /**
   * The ids that end generation, in file order: {@code generation_config.json}'s {@code eos_token_id},
   * else {@code config.json}'s, else the id of {@code eos_token}; empty when none is known.
   */
  public Set<Integer> eosTokenIds() {
    return eosTokenIds;
  }

  /**
   * {@link #eosTokenIds()} plus the token that closes an assistant turn in {@code template}
   * ({@link #endOfTurnToken}), for decoding a chat reply.
   */
  public Set<Integer> chatEosTokenIds(ChatTemplate template) {
    Set<Integer> out = new LinkedHashSet<>(eosTokenIds);
    endOfTurnToken(template).flatMap(this::idOf).ifPresent(out::add);
    return ImmutableSet.copyOf(out);
  }

  /**
   * The added token (special or not: Command-R's {@code <|END_OF_TURN_TOKEN|>} is not flagged special)
   * the template writes right after an assistant message, whitespace between skipped: {@code <|eot_id|>} for Llama 3, {@code <|im_end|>} for Qwen, {@code </s>} for Llama 2.
   * Found by rendering a probe conversation (a user message and an assistant answer); empty when the
   * template refuses it or writes no special token there.
   */
  public Optional<String> endOfTurnToken(ChatTemplate template) {
    Objects.requireNonNull(template, "template");
    String text;
    try {
      text = template.render(List.of(ChatMessage.user(PROBE_USER), ChatMessage.assistant(PROBE_ANSWER)), false);
    } catch (ChatTemplateException e) {
      return Optional.empty();
    }
    int at = text.lastIndexOf(PROBE_ANSWER);
    if (at < 0) {
      return Optional.empty();
    }
    int from = at + PROBE_ANSWER.length();
    while (from < text.length() && Character.isWhitespace(text.charAt(from))) {
      from++;
    }
    String best = null;
    for (String token : addedTokens) {
      if (!token.isEmpty() && text.startsWith(token, from) && (best == null || token.length() > best.length())) {
        best = token;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The id of an added token (tokenizer.json's {@code added_tokens}) or of a named special token
   * ({@code bos_token}, {@code eos_token}, ... found in the vocabulary); empty for any other text.
   */
  public Optional<Integer> idOf(String token) {
    return Optional.ofNullable(ids.get(Objects.requireNonNull(token, "token")));
  }

  private static Optional<Integer> vocabularyId(JsonNode vocab, String token) {
    if (vocab.isObject() && vocab.path(token).isIntegralNumber()) {
      return Optional.of(vocab.path(token).asInt());
    }
    if (vocab.isArray()) {
      for (int i = 0; i < vocab.size(); i++) {
        if (vocab.get(i).path(0).asText().equals(token)) {
          return Optional.of(i);
        }
      }
    }
    return Optional.empty();
  }

  /** The special tokens passed to chat templates ({@code bos_token}, {@code eos_token}, ...), by variable name. */
  public Map<String, Object> templateVariables() {
    return templateVariables;
  }

  /** Which rule decided {@link #prefix()} and {@link #suffix()}, for logs. */
  public String rule() {
    return rule;
  }

  @Override
  public String toString() {
    return "SpecialTokens[" + directory + ": prefix=" + prefix + ", suffix=" + suffix + " (" + rule + "), eos="
        + eosTokenIds + "]";
  }
}
