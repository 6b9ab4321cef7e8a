package ai.iro.onnx.internal.jinja;

import ai.iro.onnx.internal.jinja.Token.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses the expressions inside tags and {@code {{ }}} with Jinja2's grammar and operator
 * precedence, lowest first: conditional, {@code or}, {@code and}, {@code not}, comparisons, arithmetic,
 * filters and tests, postfix access and calls, literals and names.
 */
final class ExpressionParser {
  private static final Set<String> COMPARE = Set.of("==", "!=", "<", ">", "<=", ">=");

  private final TokenCursor tokens;

  ExpressionParser(TokenCursor tokens) {
    this.tokens = tokens;
  }

  // ---- expressions, lowest precedence first ----

  Node expression() {
    Node e = conditionalFree();
    if (tokens.peek().isName("if")) {
      int line = tokens.next().line();
      Node test = or();
      Node orElse = null;
      if (tokens.peek().isName("else")) {
        tokens.next();
        orElse = expression();
      }
      return new Node.Conditional(line, test, e, orElse);
    }
    return e;
  }

  Node conditionalFree() {
    return or();
  }

  private Node or() {
    Node left = and();
    while (tokens.peek().isName("or")) {
      int line = tokens.next().line();
      left = new Node.Logic(line, false, left, and());
    }
    return left;
  }

  private Node and() {
    Node left = not();
    while (tokens.peek().isName("and")) {
      int line = tokens.next().line();
      left = new Node.Logic(line, true, left, not());
    }
    return left;
  }

  private Node not() {
    if (tokens.peek().isName("not")) {
      int line = tokens.next().line();
      return new Node.Unary(line, "not", not());
    }
    return compare();
  }

  private Node compare() {
    Node first = math1();
    List<String> ops = new ArrayList<>();
    List<Node> rest = new ArrayList<>();
    while (true) {
      Token t = tokens.peek();
      if (t.type() == Type.OP && COMPARE.contains(t.text())) {
        tokens.next();
        ops.add(t.text());
      } else if (t.isName("in")) {
        tokens.next();
        ops.add("in");
      } else if (t.isName("not") && tokens.peekAt(1).isName("in")) {
        tokens.next();
        tokens.next();
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
    while (tokens.peek().isOp("+") || tokens.peek().isOp("-")) {
      Token op = tokens.next();
      left = new Node.Binary(op.line(), op.text(), left, concat());
    }
    return left;
  }

  private Node concat() {
    Node left = math2();
    while (tokens.peek().isOp("~")) {
      Token op = tokens.next();
      left = new Node.Binary(op.line(), "~", left, math2());
    }
    return left;
  }

  private Node math2() {
    Node left = pow();
    while (tokens.peek().isOp("*") || tokens.peek().isOp("/") || tokens.peek().isOp("//") || tokens.peek().isOp("%")) {
      Token op = tokens.next();
      left = new Node.Binary(op.line(), op.text(), left, pow());
    }
    return left;
  }

  private Node pow() {
    Node left = unary(true);
    while (tokens.peek().isOp("**")) {
      Token op = tokens.next();
      left = new Node.Binary(op.line(), "**", left, unary(true));
    }
    return left;
  }

  private Node unary(boolean withFilter) {
    Node node;
    Token t = tokens.peek();
    if (t.isOp("-") || t.isOp("+")) {
      tokens.next();
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
    Token t = tokens.next();
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
        while (tokens.peek().type() == Type.STRING) {
          b.append((String) tokens.next().value());
        }
        return new Node.Literal(t.line(), b.toString());
      }
      case INT, FLOAT -> {
        return new Node.Literal(t.line(), t.value());
      }
      case OP -> {
        switch (t.text()) {
          case "(" -> {
            if (tokens.acceptOp(")")) {
              return new Node.ListLit(t.line(), List.of(), true);
            }
            Node e = expression();
            if (tokens.peek().isOp(",")) {
              List<Node> items = new ArrayList<>(List.of(e));
              while (tokens.acceptOp(",")) {
                if (tokens.peek().isOp(")")) {
                  break;
                }
                items.add(expression());
              }
              tokens.expectOp(")");
              return new Node.ListLit(t.line(), items, true);
            }
            tokens.expectOp(")");
            return e;
          }
          case "[" -> {
            List<Node> items = new ArrayList<>();
            while (!tokens.acceptOp("]")) {
              if (!items.isEmpty()) {
                tokens.expectOp(",");
                if (tokens.acceptOp("]")) {
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
            while (!tokens.acceptOp("}")) {
              if (!keys.isEmpty()) {
                tokens.expectOp(",");
                if (tokens.acceptOp("}")) {
                  break;
                }
              }
              keys.add(expression());
              tokens.expectOp(":");
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
      Token t = tokens.peek();
      if (t.isOp(".")) {
        tokens.next();
        Token n = tokens.next();
        if (n.type() == Type.NAME) {
          node = new Node.Attr(n.line(), node, n.text());
        } else if (n.type() == Type.INT) {
          node = new Node.Item(n.line(), node, new Node.Literal(n.line(), n.value()));
        } else {
          throw JinjaException.syntax(n.line(), "expected an attribute name after '.', found " + n.describe());
        }
      } else if (t.isOp("[")) {
        tokens.next();
        node = subscript(node, t.line());
      } else if (t.isOp("(")) {
        tokens.next();
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
    if (!tokens.peek().isOp(":")) {
      start = expression();
      if (tokens.acceptOp("]")) {
        return new Node.Item(line, target, start);
      }
    }
    tokens.expectOp(":");
    Node stop = null;
    Node step = null;
    if (!tokens.peek().isOp("]") && !tokens.peek().isOp(":")) {
      stop = expression();
    }
    if (tokens.acceptOp(":") && !tokens.peek().isOp("]")) {
      step = expression();
    }
    tokens.expectOp("]");
    return new Node.Slice(line, target, start, stop, step);
  }

  /** Call arguments after '(' through ')': positional, then {@code name=value}. */
  private void arguments(List<Node> args, List<String> kwNames, List<Node> kwValues) {
    while (!tokens.acceptOp(")")) {
      if (!args.isEmpty() || !kwNames.isEmpty()) {
        tokens.expectOp(",");
        if (tokens.acceptOp(")")) {
          return;
        }
      }
      if (tokens.peek().isOp("*") || tokens.peek().isOp("**")) {
        throw JinjaException.syntax(tokens.peek().line(), "'*args' and '**kwargs' in calls are not supported by this Jinja subset");
      }
      if (tokens.peek().type() == Type.NAME && tokens.peekAt(1).isOp("=")) {
        kwNames.add(tokens.next().text());
        tokens.next();
        kwValues.add(expression());
      } else {
        if (!kwNames.isEmpty()) {
          throw JinjaException.syntax(tokens.peek().line(), "a positional argument follows a keyword argument");
        }
        args.add(expression());
      }
    }
  }

  private Node filters(Node node) {
    while (true) {
      Token t = tokens.peek();
      if (t.isOp("|")) {
        tokens.next();
        Token name = tokens.next();
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
        if (tokens.acceptOp("(")) {
          arguments(args, kwNames, kwValues);
        }
        node = postfix(new Node.Filter(name.line(), node, n, args, kwNames, kwValues));
      } else if (t.isName("is")) {
        tokens.next();
        boolean negated = false;
        if (tokens.peek().isName("not")) {
          tokens.next();
          negated = true;
        }
        Token name = tokens.next();
        String n = name.type() == Type.NAME || name.type() == Type.OP ? name.text() : "";
        if (name.type() == Type.NAME && (n.equals("none") || n.equals("true") || n.equals("false"))) {
          n = n.toLowerCase(java.util.Locale.ROOT);
        }
        if (!JinjaTests.NAMES.contains(n)) {
          throw JinjaException.syntax(name.line(), "unknown test '" + name.text() + "'");
        }
        List<Node> args = new ArrayList<>();
        if (tokens.acceptOp("(")) {
          List<String> kwNames = new ArrayList<>();
          arguments(args, kwNames, new ArrayList<>());
          if (!kwNames.isEmpty()) {
            throw JinjaException.syntax(name.line(), "keyword arguments to tests are not supported");
          }
        } else if (startsPrimary(tokens.peek())) {
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
}
