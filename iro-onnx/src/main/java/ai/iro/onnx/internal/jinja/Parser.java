package ai.iro.onnx.internal.jinja;

import ai.iro.onnx.internal.jinja.Token.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses tokens into {@link Node}s with Jinja2's grammar and operator precedence. Anything outside
 * the supported subset (an unknown tag, filter or test, template inheritance, {@code call} blocks)
 * is a {@link JinjaException.Kind#SYNTAX} error naming the line and the construct.
 */
final class Parser {
  private static final Set<String> COMPARE = Set.of("==", "!=", "<", ">", "<=", ">=");
  private static final Set<String> UNSUPPORTED_TAGS = Set.of("extends", "block", "include", "import", "from", "call",
      "filter", "with", "autoescape", "do", "trans", "pluralize");

  private final List<Token> tokens;
  private int i;

  private Parser(List<Token> tokens) {
    this.tokens = tokens;
  }

  static List<Node> parse(String source) {
    Parser p = new Parser(Lexer.tokenize(source));
    List<Node> body = p.statements(Set.of());
    if (p.peek().type() != Type.EOF) {
      Token t = p.peekAt(1);
      throw JinjaException.syntax(t.line(), "unexpected '" + t.text() + "' tag with no open block to close");
    }
    return body;
  }

  // ---- statements ----

  /** Parses until a block tag whose name is in {@code ends} (left unconsumed) or the end. */
  private List<Node> statements(Set<String> ends) {
    List<Node> out = new ArrayList<>();
    while (true) {
      Token t = peek();
      switch (t.type()) {
        case EOF -> {
          if (!ends.isEmpty()) {
            throw JinjaException.syntax(t.line(), "unexpected end of template: expected one of "
                + String.join(", ", ends.stream().sorted().toList()));
          }
          return out;
        }
        case TEXT -> {
          next();
          out.add(new Node.Text(t.line(), t.text()));
        }
        case VAR_BEGIN -> {
          next();
          Node e = expression();
          expect(Type.VAR_END, "'}}'");
          out.add(new Node.Output(t.line(), e));
        }
        case BLOCK_BEGIN -> {
          Token name = peekAt(1);
          if (name.type() != Type.NAME) {
            throw JinjaException.syntax(name.line(), "expected a tag name after '{%', found " + name.describe());
          }
          if (ends.contains(name.text())) {
            return out;
          }
          next();
          next();
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
    tests.add(expression());
    blockEnd();
    bodies.add(statements(Set.of("elif", "else", "endif")));
    List<Node> orElse = List.of();
    while (true) {
      next();
      Token tag = next();
      switch (tag.text()) {
        case "elif" -> {
          tests.add(expression());
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
      targets.add(expectName("a loop variable"));
    } while (acceptOp(","));
    if (!peek().isName("in")) {
      throw JinjaException.syntax(peek().line(), "expected 'in' in a for loop, found " + peek().describe());
    }
    next();
    Node iterable = conditionalFree();
    Node filter = null;
    if (peek().isName("if")) {
      next();
      filter = expression();
    }
    if (peek().isName("recursive")) {
      throw JinjaException.syntax(peek().line(), "recursive for loops are not supported by this Jinja subset");
    }
    blockEnd();
    List<Node> body = statements(Set.of("else", "endfor"));
    List<Node> orElse = List.of();
    if (peekAt(1).isName("else")) {
      next();
      next();
      blockEnd();
      orElse = statements(Set.of("endfor"));
    }
    endTag("endfor");
    return new Node.For(line, targets, iterable, filter, body, orElse);
  }

  private Node setStatement(int line) {
    List<Node> targets = new ArrayList<>();
    do {
      Token t = peek();
      String n = expectName("a variable name");
      Node target = new Node.Name(t.line(), n);
      if (acceptOp(".")) {
        target = new Node.Attr(t.line(), target, expectName("an attribute name"));
      }
      targets.add(target);
    } while (acceptOp(","));
    if (acceptOp("=")) {
      Node value = expression();
      if (peek().isOp(",")) {
        List<Node> items = new ArrayList<>(List.of(value));
        while (acceptOp(",")) {
          items.add(expression());
        }
        value = new Node.ListLit(line, items, true);
      }
      blockEnd();
      return new Node.Set(line, targets, value, null);
    }
    if (peek().isOp("|")) {
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
    String name = expectName("a macro name");
    expectOp("(");
    List<String> params = new ArrayList<>();
    List<Node> defaults = new ArrayList<>();
    if (!acceptOp(")")) {
      do {
        params.add(expectName("a macro parameter"));
        defaults.add(acceptOp("=") ? expression() : null);
      } while (acceptOp(","));
      expectOp(")");
    }
    blockEnd();
    List<Node> body = statements(Set.of("endmacro"));
    endTag("endmacro");
    return new Node.Macro(line, name, params, defaults, body);
  }

  private void endTag(String name) {
    next();
    Token t = next();
    if (!t.isName(name)) {
      throw JinjaException.syntax(t.line(), "expected '{% " + name + " %}', found " + t.describe());
    }
    blockEnd();
  }

  private void blockEnd() {
    Token t = next();
    if (t.type() != Type.BLOCK_END) {
      throw JinjaException.syntax(t.line(), "expected '%}', found " + t.describe());
    }
  }

  // ---- expressions, lowest precedence first ----

  Node expression() {
    Node e = conditionalFree();
    if (peek().isName("if")) {
      int line = next().line();
      Node test = or();
      Node orElse = null;
      if (peek().isName("else")) {
        next();
        orElse = expression();
      }
      return new Node.Conditional(line, test, e, orElse);
    }
    return e;
  }

  private Node conditionalFree() {
    return or();
  }

  private Node or() {
    Node left = and();
    while (peek().isName("or")) {
      int line = next().line();
      left = new Node.Logic(line, false, left, and());
    }
    return left;
  }

  private Node and() {
    Node left = not();
    while (peek().isName("and")) {
      int line = next().line();
      left = new Node.Logic(line, true, left, not());
    }
    return left;
  }

  private Node not() {
    if (peek().isName("not")) {
      int line = next().line();
      return new Node.Unary(line, "not", not());
    }
    return compare();
  }

  private Node compare() {
    Node first = math1();
    List<String> ops = new ArrayList<>();
    List<Node> rest = new ArrayList<>();
    while (true) {
      Token t = peek();
      if (t.type() == Type.OP && COMPARE.contains(t.text())) {
        next();
        ops.add(t.text());
      } else if (t.isName("in")) {
        next();
        ops.add("in");
      } else if (t.isName("not") && peekAt(1).isName("in")) {
        next();
        next();
        ops.add("not in");
      } else {
        break;
      }
      rest.add(math1());
    }
    return ops.isEmpty() ? first : new Node.Compare(first.line(), first, ops, rest);
  }

  private Node math1() {
    Node left = concat();
    while (peek().isOp("+") || peek().isOp("-")) {
      Token op = next();
      left = new Node.Binary(op.line(), op.text(), left, concat());
    }
    return left;
  }

  private Node concat() {
    Node left = math2();
    while (peek().isOp("~")) {
      Token op = next();
      left = new Node.Binary(op.line(), "~", left, math2());
    }
    return left;
  }

  private Node math2() {
    Node left = pow();
    while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
      Token op = next();
      left = new Node.Binary(op.line(), op.text(), left, pow());
    }
    return left;
  }

  private Node pow() {
    Node left = unary(true);
    while (peek().isOp("**")) {
      Token op = next();
      left = new Node.Binary(op.line(), "**", left, unary(true));
    }
    return left;
  }

  private Node unary(boolean withFilter) {
    Node node;
    Token t = peek();
    if (t.isOp("-") || t.isOp("+")) {
      next();
      node = new Node.Unary(t.line(), t.text(), unary(false));
    } else {
      node = primary();
    }
    node = postfix(node);
    if (withFilter) {
      node = filters(node);
    }
    return node;
  }

  private Node primary() {
    Token t = next();
    switch (t.type()) {
      case NAME -> {
        return switch (t.text()) {
          case "true", "True" -> new Node.Literal(t.line(), Boolean.TRUE);
          case "false", "False" -> new Node.Literal(t.line(), Boolean.FALSE);
          case "none", "None" -> new Node.Literal(t.line(), null);
          default -> new Node.Name(t.line(), t.text());
        };
      }
      case STRING -> {
        StringBuilder b = new StringBuilder((String) t.value());
        while (peek().type() == Type.STRING) {
          b.append((String) next().value());
        }
        return new Node.Literal(t.line(), b.toString());
      }
      case INT, FLOAT -> {
        return new Node.Literal(t.line(), t.value());
      }
      case OP -> {
        switch (t.text()) {
          case "(" -> {
            if (acceptOp(")")) {
              return new Node.ListLit(t.line(), List.of(), true);
            }
            Node e = expression();
            if (peek().isOp(",")) {
              List<Node> items = new ArrayList<>(List.of(e));
              while (acceptOp(",")) {
                if (peek().isOp(")")) {
                  break;
                }
                items.add(expression());
              }
              expectOp(")");
              return new Node.ListLit(t.line(), items, true);
            }
            expectOp(")");
            return e;
          }
          case "[" -> {
            List<Node> items = new ArrayList<>();
            while (!acceptOp("]")) {
              if (!items.isEmpty()) {
                expectOp(",");
                if (acceptOp("]")) {
                  break;
                }
              }
              items.add(expression());
            }
            return new Node.ListLit(t.line(), items, false);
          }
          case "{" -> {
            List<Node> keys = new ArrayList<>();
            List<Node> values = new ArrayList<>();
            while (!acceptOp("}")) {
              if (!keys.isEmpty()) {
                expectOp(",");
                if (acceptOp("}")) {
                  break;
                }
              }
              keys.add(expression());
              expectOp(":");
              values.add(expression());
            }
            return new Node.DictLit(t.line(), keys, values);
          }
          default -> throw JinjaException.syntax(t.line(), "unexpected " + t.describe() + " in an expression");
        }
      }
      default -> throw JinjaException.syntax(t.line(), "expected an expression, found " + t.describe());
    }
  }

  private Node postfix(Node node) {
    while (true) {
      Token t = peek();
      if (t.isOp(".")) {
        next();
        Token n = next();
        if (n.type() == Type.NAME) {
          node = new Node.Attr(n.line(), node, n.text());
        } else if (n.type() == Type.INT) {
          node = new Node.Item(n.line(), node, new Node.Literal(n.line(), n.value()));
        } else {
          throw JinjaException.syntax(n.line(), "expected an attribute name after '.', found " + n.describe());
        }
      } else if (t.isOp("[")) {
        next();
        node = subscript(node, t.line());
      } else if (t.isOp("(")) {
        next();
        List<Node> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Node> kwValues = new ArrayList<>();
        arguments(args, kwNames, kwValues);
        node = new Node.Call(t.line(), node, args, kwNames, kwValues);
      } else {
        return node;
      }
    }
  }

  private Node subscript(Node target, int line) {
    Node start = null;
    if (!peek().isOp(":")) {
      start = expression();
      if (acceptOp("]")) {
        return new Node.Item(line, target, start);
      }
    }
    expectOp(":");
    Node stop = null;
    Node step = null;
    if (!peek().isOp("]") && !peek().isOp(":")) {
      stop = expression();
    }
    if (acceptOp(":") && !peek().isOp("]")) {
      step = expression();
    }
    expectOp("]");
    return new Node.Slice(line, target, start, stop, step);
  }

  /** Call arguments after '(' through ')': positional, then {@code name=value}. */
  private void arguments(List<Node> args, List<String> kwNames, List<Node> kwValues) {
    while (!acceptOp(")")) {
      if (!args.isEmpty() || !kwNames.isEmpty()) {
        expectOp(",");
        if (acceptOp(")")) {
          return;
        }
      }
      if (peek().isOp("*") || peek().isOp("**")) {
        throw JinjaException.syntax(peek().line(), "'*args' and '**kwargs' in calls are not supported by this Jinja subset");
      }
      if (peek().type() == Type.NAME && peekAt(1).isOp("=")) {
        kwNames.add(next().text());
        next();
        kwValues.add(expression());
      } else {
        if (!kwNames.isEmpty()) {
          throw JinjaException.syntax(peek().line(), "a positional argument follows a keyword argument");
        }
        args.add(expression());
      }
    }
  }

  private Node filters(Node node) {
    while (true) {
      Token t = peek();
      if (t.isOp("|")) {
        next();
        Token name = next();
        if (name.type() != Type.NAME) {
          throw JinjaException.syntax(name.line(), "expected a filter name after '|', found " + name.describe());
        }
        String n = name.text();
        if (!Filters.NAMES.contains(n)) {
          throw JinjaException.syntax(name.line(), "unknown filter '" + n + "'");
        }
        List<Node> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Node> kwValues = new ArrayList<>();
        if (acceptOp("(")) {
          arguments(args, kwNames, kwValues);
        }
        node = postfix(new Node.Filter(name.line(), node, n, args, kwNames, kwValues));
      } else if (t.isName("is")) {
        next();
        boolean negated = false;
        if (peek().isName("not")) {
          next();
          negated = true;
        }
        Token name = next();
        String n = name.type() == Type.NAME || name.type() == Type.OP ? name.text() : "";
        if (name.type() == Type.NAME && (n.equals("none") || n.equals("true") || n.equals("false"))) {
          n = n.toLowerCase(java.util.Locale.ROOT);
        }
        if (!JinjaTests.NAMES.contains(n)) {
          throw JinjaException.syntax(name.line(), "unknown test '" + name.text() + "'");
        }
        List<Node> args = new ArrayList<>();
        if (acceptOp("(")) {
          List<String> kwNames = new ArrayList<>();
          arguments(args, kwNames, new ArrayList<>());
          if (!kwNames.isEmpty()) {
            throw JinjaException.syntax(name.line(), "keyword arguments to tests are not supported");
          }
        } else if (startsPrimary(peek())) {
          args.add(postfix(primary()));
        }
        node = new Node.Test(name.line(), node, n, args, negated);
      } else {
        return node;
      }
    }
  }

  private static boolean startsPrimary(Token t) {
    return switch (t.type()) {
      case STRING, INT, FLOAT -> true;
      case NAME -> !Set.of("and", "or", "not", "in", "is", "if", "else").contains(t.text());
      case OP -> t.text().equals("(") || t.text().equals("[") || t.text().equals("{");
      default -> false;
    };
  }

  // ---- token helpers ----

  private Token peek() {
    return tokens.get(i);
  }

  private Token peekAt(int k) {
    return tokens.get(Math.min(i + k, tokens.size() - 1));
  }

  private Token next() {
    Token t = tokens.get(i);
    if (i < tokens.size() - 1) {
      i++;
    }
    return t;
  }

  private boolean acceptOp(String op) {
    if (peek().isOp(op)) {
      next();
      return true;
    }
    return false;
  }

  private void expectOp(String op) {
    Token t = next();
    if (!t.isOp(op)) {
      throw JinjaException.syntax(t.line(), "expected '" + op + "', found " + t.describe());
    }
  }

  private void expect(Type type, String what) {
    Token t = next();
    if (t.type() != type) {
      throw JinjaException.syntax(t.line(), "expected " + what + ", found " + t.describe());
    }
  }

  private String expectName(String what) {
    Token t = next();
    if (t.type() != Type.NAME) {
      throw JinjaException.syntax(t.line(), "expected " + what + ", found " + t.describe());
    }
    return t.text();
  }
}
