package ai.iro.onnx.chat;

import ai.iro.core.data.ChatMessage;
import ai.iro.onnx.internal.HfConfig;
import ai.iro.onnx.internal.jinja.JinjaException;
import ai.iro.onnx.internal.jinja.Template;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face chat template, rendered byte for byte as transformers'
 * {@code tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=...)} renders
 * it: Jinja in a sandboxed, immutable environment with {@code trim_blocks} and {@code lstrip_blocks},
 * the template variables {@code messages}, {@code add_generation_prompt}, {@code tools=None},
 * {@code documents=None} and the tokenizer's special tokens ({@code bos_token}, {@code eos_token},
 * ...), and the functions {@code raise_exception} and {@code strftime_now}.
 *
 * <pre>{@code
 * ChatTemplate chat = ChatTemplate.load(Path.of("models/qwen3"));
 * String prompt = chat.render(List.of(ChatMessage.user("Hi!")), true);
 * // "<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n"
 * }</pre>
 *
 * <p>The rendered text already holds the special tokens the model expects (Llama's
 * {@code <|begin_of_text|>} included): encode it without adding special tokens again, as
 * transformers does.
 *
 * <p>The Jinja interpreter covers what chat templates use (statements {@code if}, {@code for} with
 * {@code loop} and {@code else}, {@code set} and {@code namespace}, {@code macro}, {@code break},
 * {@code continue}, {@code generation}, {@code raw}; Python's string, list and dict methods; Jinja's
 * common filters and tests). Anything else fails when the template is loaded, with a
 * {@link ChatTemplateException} naming the line and the construct. Immutable and thread safe.
 */
public final class ChatTemplate {
  /** The template name used when a model publishes several and none is asked for. */
  public static final String DEFAULT_NAME = "default";
  /** The file newer transformers versions save a default template to, preferred to tokenizer_config.json. */
  public static final String TEMPLATE_FILE = "chat_template.jinja";
  /** The folder newer transformers versions save named templates to, as {@code <name>.jinja}. */
  public static final String NAMED_TEMPLATES = "additional_chat_templates";

  private final String origin;
  private final String source;
  private final Template template;
  private final Map<String, Object> specialTokens;
  private final Clock clock;

  private ChatTemplate(Builder b) {
    this.origin = b.origin;
    this.source = b.source;
    this.specialTokens = Map.copyOf(b.specialTokens);
    this.clock = b.clock;
    try {
      this.template = Template.parse(b.source);
    } catch (JinjaException e) {
      throw wrap(e);
    }
  }

  /**
   * The default chat template of a model directory: {@code chat_template.jinja} if present, else
   * {@code chat_template} in {@code tokenizer_config.json} (a string, or the entry named
   * {@code "default"} of a list of {@code {name, template}}), with that file's special tokens.
   *
   * @throws IllegalArgumentException if the directory has no chat template (the message names the
   *     files looked at), or a {@link ChatTemplateException} if the template cannot be parsed
   */
  public static ChatTemplate load(Path modelDirectory) {
    return load(modelDirectory, DEFAULT_NAME);
  }

  /**
   * The chat template called {@code name} of a model directory: {@code additional_chat_templates/<name>.jinja},
   * or the entry of that name in tokenizer_config.json's list of templates; {@link #DEFAULT_NAME}
   * gives {@link #load(Path)}.
   *
   * @throws IllegalArgumentException if there is no template of that name (the message lists the names there are)
   */
  public static ChatTemplate load(Path modelDirectory, String name) {
    Objects.requireNonNull(modelDirectory, "modelDirectory");
    Objects.requireNonNull(name, "name");
    Path configFile = modelDirectory.resolve("tokenizer_config.json");
    JsonNode config = HfConfig.read(configFile, false);
    JsonNode specialMap = HfConfig.read(modelDirectory.resolve("special_tokens_map.json"), false);
    Builder b = builder().specialTokens(HfConfig.specialTokensMap(config, specialMap));
    Path file = name.equals(DEFAULT_NAME) ? modelDirectory.resolve(TEMPLATE_FILE)
        : modelDirectory.resolve(NAMED_TEMPLATES).resolve(name + ".jinja");
    if (Files.isRegularFile(file)) {
      try {
        return b.template(Files.readString(file)).origin(file.toString()).build();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    JsonNode chat = config.path("chat_template");
    if (chat.isTextual() && name.equals(DEFAULT_NAME)) {
      return b.template(chat.asText()).origin(configFile.toString()).build();
    }
    if (chat.isArray()) {
      List<String> names = new ArrayList<>();
      for (JsonNode entry : chat) {
        String n = entry.path("name").asText();
        names.add(n);
        if (n.equals(name) && entry.path("template").isTextual()) {
          return b.template(entry.path("template").asText()).origin(configFile + " (template \"" + name + "\")").build();
        }
      }
      throw new IllegalArgumentException(configFile + " has no chat template named \"" + name + "\"; it has " + names);
    }
    if (!chat.isMissingNode() && !chat.isNull() && !chat.isTextual()) {
      throw new IllegalArgumentException("chat_template in " + configFile
          + " must be a string or a list of {name, template}, found " + chat.getNodeType());
    }
    throw new IllegalArgumentException(modelDirectory + " has no chat template " + (name.equals(DEFAULT_NAME) ? ""
        : "named \"" + name + "\" ") + "(looked for " + file.getFileName() + " and chat_template in tokenizer_config.json)");
  }

  /** A builder for a template given as text. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this template's settings. */
  public Builder toBuilder() {
    return new Builder().template(source).origin(origin).specialTokens(specialTokens).clock(clock);
  }

  /**
   * Renders a conversation.
   *
   * @param messages the conversation, in order
   * @param addGenerationPrompt whether to end with the header that opens the assistant's turn
   * @throws ChatTemplateException if the template refuses the conversation or fails on it
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /**
   * Renders a conversation with extra template variables (transformers' {@code **kwargs}, such as
   * {@code enable_thinking}, {@code documents} or {@code date_string}), which override the defaults.
   *
   * @param variables values that are strings, numbers, booleans, null, lists or maps of these
   * @throws ChatTemplateException if the template refuses the conversation or fails on it
   */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
    Objects.requireNonNull(messages, "messages");
    Objects.requireNonNull(variables, "variables");
    List<Map<String, Object>> list = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      ChatMessage m = Objects.requireNonNull(messages.get(i), "message " + i);
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("role", m.role());
      message.put("content", m.content());
      list.add(message);
    }
    Map<String, Object> vars = new LinkedHashMap<>();
    vars.put("messages", list);
    vars.put("tools", null);
    vars.put("documents", null);
    vars.put("add_generation_prompt", addGenerationPrompt);
    vars.putAll(specialTokens);
    vars.putAll(variables);
    try {
      return template.render(vars, () -> ZonedDateTime.now(clock));
    } catch (JinjaException e) {
      throw wrap(e);
    }
  }

  /** The template text. */
  public String source() {
    return source;
  }

  /** Where the template came from (a file, or what the builder was told), for messages. */
  public String origin() {
    return origin;
  }

  /** The special tokens given to the template, by variable name ({@code bos_token}, ...). */
  public Map<String, Object> specialTokens() {
    return specialTokens;
  }

  private ChatTemplateException wrap(JinjaException e) {
    if (e.raised().isPresent()) {
      return new ChatTemplateException("chat template " + origin + " refused the conversation: " + e.detail(),
          e.line(), e.detail(), e);
    }
    String what = e.kind() == JinjaException.Kind.SYNTAX ? "cannot be parsed" : "failed";
    return new ChatTemplateException("chat template " + origin + " " + what + " at line " + e.line() + ": "
        + e.detail(), e.line(), null, e);
  }

  @Override
  public String toString() {
    return "ChatTemplate[" + origin + "]";
  }

  /** Builds a {@link ChatTemplate} from template text. */
  public static final class Builder {
    /** Default: "chat template", used in messages when no origin is given. */
    public static final String DEFAULT_ORIGIN = "chat template";

    private String source;
    private String origin = DEFAULT_ORIGIN;
    private Map<String, Object> specialTokens = Map.of();
    private Clock clock = Clock.systemDefaultZone();

    private Builder() {
    }

    /** The Jinja template text. Required. */
    public Builder template(String source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /** Where the template came from, for error messages. Default: {@link #DEFAULT_ORIGIN}. */
    public Builder origin(String origin) {
      this.origin = Objects.requireNonNull(origin, "origin");
      return this;
    }

    /**
     * The special-token variables ({@code bos_token}, {@code eos_token}, ...; strings, or a list of
     * strings for {@code additional_special_tokens}). Default: none.
     */
    public Builder specialTokens(Map<String, ?> specialTokens) {
      Map<String, Object> copy = new LinkedHashMap<>();
      Objects.requireNonNull(specialTokens, "specialTokens").forEach((k, v) ->
          copy.put(Objects.requireNonNull(k, "special token name"), Objects.requireNonNull(v, "special token " + k)));
      this.specialTokens = copy;
      return this;
    }

    /** The clock {@code strftime_now} reads. Default: the system clock in the default time zone. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Parses the template.
     *
     * @throws IllegalStateException if no template was given
     * @throws ChatTemplateException if the template cannot be parsed (the message names the line and construct)
     */
    public ChatTemplate build() {
      if (source == null) {
        throw new IllegalStateException("template(...) is required");
      }
      return new ChatTemplate(this);
    }
  }
}
