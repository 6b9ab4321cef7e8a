package ai.iro.core.data;

import java.util.Objects;

/**
 * One message of a conversation, as chat datasets and Hugging Face chat templates give it.
 *
 * @param role who speaks: {@code "system"}, {@code "user"}, {@code "assistant"} (templates may know others)
 * @param content what is said
 */
public record ChatMessage(String role, String content) {
  /** The role of the instructions that precede a conversation. */
  public static final String SYSTEM = "system";
  /** The role of the person prompting. */
  public static final String USER = "user";
  /** The role of the model. */
  public static final String ASSISTANT = "assistant";

  /** Validates. */
  public ChatMessage {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
  }

  /** A system message. */
  public static ChatMessage system(String content) {
    return new ChatMessage(SYSTEM, content);
  }

  /** A user message. */
  public static ChatMessage user(String content) {
    return new ChatMessage(USER, content);
  }

  /** An assistant message. */
  public static ChatMessage assistant(String content) {
    return new ChatMessage(ASSISTANT, content);
  }
}
