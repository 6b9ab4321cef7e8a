package ai.iro.onnx.internal.jinja;

/** A lexical token: template text, a tag delimiter, or a piece of an expression. */
record Token(Type type, String text, Object value, int line) {
  enum Type {
    TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF
  }

  boolean is(Type t, String s) {
    return type == t && text.equals(s);
  }

  boolean isOp(String s) {
    return is(Type.OP, s);
  }

  boolean isName(String s) {
    return is(Type.NAME, s);
  }

  String describe() {
    return switch (type) {
      case EOF -> "end of template";
      case TEXT -> "template text";
      case VAR_BEGIN -> "'{{'";
      case VAR_END -> "'}}'";
      case BLOCK_BEGIN -> "'{%'";
      case BLOCK_END -> "'%}'";
      case STRING -> "string " + text;
      default -> "'" + text + "'";
    };
  }
}
