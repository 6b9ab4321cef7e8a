package ai.iro.onnx.internal.jinja;

import java.util.Optional;

/**
 * An error in a template: it cannot be parsed (unknown syntax), or rendering failed (an undefined
 * value used, a type error, an unsafe operation), or the template called {@code raise_exception}.
 * The message names the template line.
 */
public final class JinjaException extends RuntimeException {
  /** What went wrong. */
  public enum Kind {
    /** The template uses syntax outside the supported subset, or is malformed. */
    SYNTAX,
    /** The template called {@code raise_exception(message)}. */
    RAISED,
    /** A value was undefined, of the wrong type, or an operation is not allowed. */
    RENDER
  }

  private final Kind kind;
  private final int line;
  private final String detail;

  JinjaException(Kind kind, int line, String detail) {
    super(kind == Kind.RAISED ? detail : "line " + line + ": " + detail);
    this.kind = kind;
    this.line = line;
    this.detail = detail;
  }

  static JinjaException syntax(int line, String detail) {
    return new JinjaException(Kind.SYNTAX, line, detail);
  }

  static JinjaException render(int line, String detail) {
    return new JinjaException(Kind.RENDER, line, detail);
  }

  /** What went wrong. */
  public Kind kind() {
    return kind;
  }

  /** The 1-based template line. */
  public int line() {
    return line;
  }

  /** The message without the line, or the template's own message for {@link Kind#RAISED}. */
  public String detail() {
    return detail;
  }

  /** The template's own message when it called {@code raise_exception}. */
  public Optional<String> raised() {
    return kind == Kind.RAISED ? Optional.of(detail) : Optional.empty();
  }
}
