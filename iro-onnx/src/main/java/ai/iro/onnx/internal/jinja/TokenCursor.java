package ai.iro.onnx.internal.jinja;

import ai.iro.onnx.internal.jinja.Token.Type;
import java.util.List;

/**
 * The parsers' position in the token list, with the look-ahead, accept and expect steps that
 * {@link Parser} and {@link ExpressionParser} share.
 */
final class TokenCursor {
  private final List<Token> tokens;
  private int i;

  TokenCursor(List<Token> tokens) {
    this.tokens = tokens;
  }

  Token peek() {
    return tokens.get(i);
  }

  Token peekAt(int k) {
    return tokens.get(Math.min(i + k, tokens.size() - 1));
  }

  Token next() {
    Token t = tokens.get(i);
    if (i < tokens.size() - 1) {
      i++;
    }
    return t;
  }

  boolean acceptOp(String op) {
    if (peek().isOp(op)) {
      next();
      return true;
    }
    return false;
  }

  void expectOp(String op) {
    Token t = next();
    if (!t.isOp(op)) {
      throw JinjaException.syntax(t.line(), "expected '" + op + "', found " + t.describe());
    }
  }

  void expect(Type type, String what) {
    Token t = next();
    if (t.type() != type) {
      throw JinjaException.syntax(t.line(), "expected " + what + ", found " + t.describe());
    }
  }

  String expectName(String what) {
    Token t = next();
    if (t.type() != Type.NAME) {
      throw JinjaException.syntax(t.line(), "expected " + what + ", found " + t.describe());
    }
    return t.text();
  }
}
