package ai.iro.onnx.internal.jinja;

import ai.iro.onnx.internal.jinja.Token.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses tokens into {@link Node}s with Jinja2's grammar: the statements (tags and text) here, the
 * expressions in {@link ExpressionParser}. Anything outside the supported subset (an unknown tag,
 * filter or test, template inheritance, {@code call} blocks) is a {@link JinjaException.Kind#SYNTAX} error naming the line and the construct.
 */
final class Parser {
  private static final Set<String> UNSUPPORTED_TAGS = Set.of("extends", "block", "include", "import", "from", "call",
      "filter", "with", "autoescape", "do", "trans", "pluralize");

  private final TokenCursor tokens;
  private final ExpressionParser expressions;

  private Parser(List<Token> tokens) {
    this.tokens = new TokenCursor(tokens);
    this.expressions = new ExpressionParser(this.tokens);
  }

  static List<Node> parse(String source) {
    Parser p = new Parser(Lexer.tokenize(source));
    List<Node> body = p.statements(Set.of());
    if (p.tokens.peek().type() != Type.EOF) {
      Token t = p.tokens.peekAt(1);
      throw JinjaException.syntax(t.line(), "unexpected '" + t.text() + "' tag with no open block to close");
    }
    return body;
  }

  // ---- statements ----

  /** Parses until a block tag whose name is in {@code ends} (left unconsumed) or the end. */
  private List<Node> statements(Set<String> ends) {
    List<Node> out = new ArrayList<>();
    while (true) {
      Token t = tokens.peek();
      switch (t.type()) {
        case EOF -> {
          if (!ends.isEmpty()) {
            throw JinjaException.syntax(t.line(), "unexpected end of template: expected one of "
                + String.join(", ", ends.stream().sorted().toList()));
          }
          return out;
        }
        case TEXT -> {
          tokens.next();
          out.add(new Node.Text(t.line(), t.text()));
        }
        case VAR_BEGIN -> {
          tokens.next();
          Node e = expressions.expression();
          tokens.expect(Type.VAR_END, "'}}'");
          out.add(new Node.Output(t.line(), e));
        }
        case BLOCK_BEGIN -> {
          Token name = tokens.peekAt(1);
          if (name.type() != Type.NAME) {
            throw JinjaException.syntax(name.line(), "expected a tag name after '{%', found " + name.describe());
          }
          if (ends.contains(name.text())) {
            return out;
          }
          tokens.next();
          tokens.next();
          out.add(statement(name));
        }
        default -> throw JinjaException.syntax(t.line(), "unexpected " + t.describe());
      }
    }
  }

  private Node statement(Token name) {
    int line = name.line();
    switch (name.text()) {
      case "if" -> {
        return ifStatement(line);
      }
      case "for" -> {
        return forStatement(line);
      }
      case "set" -> {
        return setStatement(line);
      }
      case "macro" -> {
        return macroStatement(line);
      }
      case "break", "continue" -> {
        blockEnd();
        return new Node.LoopControl(line, name.text().equals("break"));
      }
      case "generation" -> {
        blockEnd();
        List<Node> body = statements(Set.of("endgeneration"));
        endTag("endgeneration");
        return new Node.Block(line, body);
      }
      default -> {
        if (UNSUPPORTED_TAGS.contains(name.text())) {
          throw JinjaException.syntax(line, "the '{% " + name.text() + " %}' tag is not supported by this Jinja subset");
        }
        throw JinjaException.syntax(line, "unknown tag '" + name.text() + "'");
      }
    }
  }

  private Node ifStatement(int line) {
    List<Node> tests = new ArrayList<>();
    List<List<Node>> bodies = new ArrayList<>();
    tests.add(expressions.expression());
    blockEnd();
    bodies.add(statements(Set.of("elif", "else", "endif")));
    List<Node> orElse = List.of();
    while (true) {
      tokens.next();
      Token tag = tokens.next();
      switch (tag.text()) {
        case "elif" -> {
          tests.add(expressions.expression());
          blockEnd();
          bodies.add(statements(Set.of("elif", "else", "endif")));
        }
        case "else" -> {
          blockEnd();
          orElse = statements(Set.of("endif"));
          endTag("endif");
          return new Node.If(line, tests, bodies, orElse);
        }
        default -> {
          blockEnd();
          return new Node.If(line, tests, bodies, orElse);
        }
      }
    }
  }

  private Node forStatement(int line) {
    List<String> targets = new ArrayList<>();
    do {
      targets.add(tokens.expectName("a loop variable"));
    } while (tokens.acceptOp(","));
    if (!tokens.peek().isName("in")) {
      throw JinjaException.syntax(tokens.peek().line(), "expected 'in' in a for loop, found " + tokens.peek().describe());
    }
    tokens.next();
    Node iterable = expressions.conditionalFree();
    Node filter = null;
    if (tokens.peek().isName("if")) {
      tokens.next();
      filter = expressions.expression();
    }
    if (tokens.peek().isName("recursive")) {
      throw JinjaException.syntax(tokens.peek().line(), "recursive for loops are not supported by this Jinja subset");
    }
    blockEnd();
    List<Node> body = statements(Set.of("else", "endfor"));
    List<Node> orElse = List.of();
    if (tokens.peekAt(1).isName("else")) {
      tokens.next();
      tokens.next();
      blockEnd();
      orElse = statements(Set.of("endfor"));
    }
    endTag("endfor");
    return new Node.For(line, targets, iterable, filter, body, orElse);
  }

  private Node setStatement(int line) {
    List<Node> targets = new ArrayList<>();
    do {
      Token t = tokens.peek();
      String n = tokens.expectName("a variable name");
      Node target = new Node.Name(t.line(), n);
      if (tokens.acceptOp(".")) {
        target = new Node.Attr(t.line(), target, tokens.expectName("an attribute name"));
      }
      targets.add(target);
    } while (tokens.acceptOp(","));
    if (tokens.acceptOp("=")) {
      Node value = expressions.expression();
      if (tokens.peek().isOp(",")) {
        List<Node> items = new ArrayList<>(List.of(value));
        while (tokens.acceptOp(",")) {
          items.add(expressions.expression());
        }
        value = new Node.ListLit(line, items, true);
      }
      blockEnd();
      return new Node.Set(line, targets, value, null);
    }
    if (tokens.peek().isOp("|")) {
      throw JinjaException.syntax(line, "filtered block '{% set x | filter %}' is not supported by this Jinja subset");
    }
    if (targets.size() != 1 || !(targets.get(0) instanceof Node.Name)) {
      throw JinjaException.syntax(line, "a block '{% set %}' assigns exactly one plain name");
    }
    blockEnd();
    List<Node> body = statements(Set.of("endset"));
    endTag("endset");
    return new Node.Set(line, targets, null, body);
  }

  private Node macroStatement(int line) {
    String name = tokens.expectName("a macro name");
    tokens.expectOp("(");
    List<String> params = new ArrayList<>();
    List<Node> defaults = new ArrayList<>();
    if (!tokens.acceptOp(")")) {
      do {
        params.add(tokens.expectName("a macro parameter"));
        defaults.add(tokens.acceptOp("=") ? expressions.expression() : null);
      } while (tokens.acceptOp(","));
      tokens.expectOp(")");
    }
    blockEnd();
    List<Node> body = statements(Set.of("endmacro"));
    endTag("endmacro");
    return new Node.Macro(line, name, params, defaults, body);
  }

  private void endTag(String name) {
    tokens.next();
    Token t = tokens.next();
    if (!t.isName(name)) {
      throw JinjaException.syntax(t.line(), "expected '{% " + name + " %}', found " + t.describe());
    }
    blockEnd();
  }

  private void blockEnd() {
    Token t = tokens.next();
    if (t.type() != Type.BLOCK_END) {
      throw JinjaException.syntax(t.line(), "expected '%}', found " + t.describe());
    }
  }
}
