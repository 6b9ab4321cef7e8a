package ai.iro.core.data;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A prompt: its plain text, the conversation it came from when the source was a chat, and any
 * other fields its source record carried (kept, not interpreted). The core never renders a
 * conversation; a model with a chat template does ({@code ai.iro.onnx.chat.ChatTemplate}). Immutable
 * and thread safe.
 *
 * @param text the prompt as plain text: a {@code "prompt"} record's text, an Alpaca record's
 *     instruction (and input), or a chat's last user message; what a reward model reads as the
 *     user's prompt
 * @param fields the other fields of the record, by name (values as JSON gives them: strings,
 *     numbers, booleans, lists, maps)
 * @param messages the conversation to render with a chat template, ending with a user message;
 *     empty for a plain-text prompt (see {@link #conversation()})
 */
public record Prompt(String text, Map<String, Object> fields, List<ChatMessage> messages) {
  /** Validates and copies. */
  public Prompt {
    Objects.requireNonNull(text, "text");
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(fields, "fields")));
    messages = ImmutableList.copyOf(Objects.requireNonNull(messages, "messages"));
  }

  /** A plain-text prompt with other fields. */
  public Prompt(String text, Map<String, Object> fields) {
    this(text, fields, List.of());
  }

  /** A plain-text prompt with no other fields. */
  public static Prompt of(String text) {
    return new Prompt(text, ImmutableMap.of());
  }

  /**
   * Plain-text prompts, one per text, in order.
   *
   * @throws NullPointerException naming the index of a null text
   */
  public static List<Prompt> ofTexts(List<String> texts) {
    Objects.requireNonNull(texts, "texts");
    List<Prompt> out = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      out.add(of(Objects.requireNonNull(texts.get(i), "prompt " + i)));
    }
    return out;
  }

  /**
   * A chat prompt: {@link #text()} is the content of the last user message.
   *
   * @throws IllegalArgumentException if there is no user message
   */
  public static Prompt chat(List<ChatMessage> messages, Map<String, Object> fields) {
    Objects.requireNonNull(messages, "messages");
    for (int i = messages.size() - 1; i >= 0; i--) {
      ChatMessage m = Objects.requireNonNull(messages.get(i), "message " + i);
      if (m.role().equals(ChatMessage.USER)) {
        return new Prompt(m.content(), fields, messages);
      }
    }
    throw new IllegalArgumentException("a chat prompt needs a user message, found roles "
        + messages.stream().map(ChatMessage::role).toList());
  }

  /** True when the prompt came with a conversation. */
  public boolean isChat() {
    return !messages.isEmpty();
  }

  /**
   * True when the model reads this prompt as its text alone: it has no conversation, or its
   * conversation is a single user message holding {@link #text()}. A model without a chat template
   * can take only such prompts; any other conversation (a system message, earlier turns) needs one.
   */
  public boolean isPlainText() {
    return messages.isEmpty() || (messages.size() == 1 && messages.get(0).equals(ChatMessage.user(text)));
  }

  /** The roles of the conversation, in order, for messages that name a prompt (such as {@code [system, user]}). */
  public List<String> roles() {
    return conversation().stream().map(ChatMessage::role).toList();
  }

  /** The conversation to render: {@link #messages()}, or a single user message holding {@link #text()}. */
  public List<ChatMessage> conversation() {
    return messages.isEmpty() ? List.of(ChatMessage.user(text)) : messages;
  }
}
