package ai.iro.onnx.chat;

import java.util.Optional;

/**
 * A chat template could not be parsed or rendered: it uses Jinja syntax outside the supported
 * subset, it failed on the conversation given (an undefined value, a type error), or it refused the
 * conversation with {@code raise_exception} (for example Llama 2's "Conversation roles must alternate
 * user/assistant/user/assistant/..."). The message names the template and, except for a refusal,
 * the template line.
 */
public final class ChatTemplateException extends IllegalArgumentException {
  private final int line;
  private final String raised;

  ChatTemplateException(String message, int line, String raised, Throwable cause) {
    super(message, cause);
    this.line = line;
    this.raised = raised;
  }

  /** The 1-based template line where it failed. */
  public int line() {
    return line;
  }

  /** The template's own message, when it called {@code raise_exception}. */
  public Optional<String> raised() {
    return Optional.ofNullable(raised);
  }
}
