package ai.iro.onnx.internal.jinja;

import java.util.List;

/** The parsed template: statements and expressions, each with its template line. */
sealed interface Node {
  int line();

  // ---- statements ----

  /** Literal template text. */
  record Text(int line, String text) implements Node { }

  /** {@code {{ expr }}}. */
  record Output(int line, Node expr) implements Node { }

  /** {@code {% if %}...{% elif %}...{% else %}...{% endif %}}: branches in order, else last. */
  record If(int line, List<Node> tests, List<List<Node>> bodies, List<Node> orElse) implements Node { }

  /** {@code {% for targets in iterable if filter %}body{% else %}orElse{% endfor %}}. */
  record For(int line, List<String> targets, Node iterable, Node filter, List<Node> body, List<Node> orElse)
      implements Node { }

  /** {@code {% set targets = value %}}, or with a body: {@code {% set x %}...{% endset %}}. */
  record Set(int line, List<Node> targets, Node value, List<Node> body) implements Node { }

  /** {@code {% macro name(params) %}body{% endmacro %}}; defaults are null where absent. */
  record Macro(int line, String name, List<String> params, List<Node> defaults, List<Node> body) implements Node { }

  /** {@code {% break %}} or {@code {% continue %}}. */
  record LoopControl(int line, boolean isBreak) implements Node { }

  /** {@code {% generation %}body{% endgeneration %}}: renders its body. */
  record Block(int line, List<Node> body) implements Node { }

  // ---- expressions ----

  record Literal(int line, Object value) implements Node { }

  record Name(int line, String name) implements Node { }

  record ListLit(int line, List<Node> items, boolean tuple) implements Node { }

  record DictLit(int line, List<Node> keys, List<Node> values) implements Node { }

  record Attr(int line, Node target, String name) implements Node { }

  record Item(int line, Node target, Node key) implements Node { }

  /** {@code target[start:stop:step]}; absent parts are null. */
  record Slice(int line, Node target, Node start, Node stop, Node step) implements Node { }

  record Call(int line, Node callee, List<Node> args, List<String> kwNames, List<Node> kwValues) implements Node { }

  record Filter(int line, Node target, String name, List<Node> args, List<String> kwNames, List<Node> kwValues)
      implements Node { }

  record Test(int line, Node target, String name, List<Node> args, boolean negated) implements Node { }

  record Unary(int line, String op, Node operand) implements Node { }

  record Binary(int line, String op, Node left, Node right) implements Node { }

  /** {@code a and b}, {@code a or b}: short-circuit, yielding an operand as Python does. */
  record Logic(int line, boolean isAnd, Node left, Node right) implements Node { }

  record Compare(int line, Node first, List<String> ops, List<Node> rest) implements Node { }

  /** {@code a if test else b}; orElse null when absent (then undefined). */
  record Conditional(int line, Node test, Node then, Node orElse) implements Node { }
}
