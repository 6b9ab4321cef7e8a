package ai.iro.onnx.internal.jinja;

import ai.iro.onnx.internal.jinja.Py.Namespace;
import ai.iro.onnx.internal.jinja.Py.Tuple;
import ai.iro.onnx.internal.jinja.Py.Undefined;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders parsed nodes. One instance renders once; it holds the output and the scopes. */
final class Interpreter {
  /** A variable scope: the template's top level, one iteration of a for loop, or a macro call. */
  private static final class Frame {
    final Frame parent;
    final Map<String, Object> vars = new HashMap<>();

    Frame(Frame parent) {
      this.parent = parent;
    }

    Object lookup(String name) {
      for (Frame f = this; f != null; f = f.parent) {
        if (f.vars.containsKey(name)) {
          return f.vars.get(name);
        }
      }
      return new Undefined("'" + name + "' is undefined");
    }
  }

  /** {@code break} or {@code continue}, unwinding to the innermost loop. */
  private static final class LoopSignal extends RuntimeException {
    final boolean isBreak;

    LoopSignal(boolean isBreak) {
      super(null, null, false, false);
      this.isBreak = isBreak;
    }
  }

  private static final LoopSignal BREAK = new LoopSignal(true);
  private static final LoopSignal CONTINUE = new LoopSignal(false);

  private final Frame globals;
  private int loopDepth;

  Interpreter(Map<String, Object> globals) {
    this.globals = new Frame(null);
    this.globals.vars.putAll(globals);
  }

  String render(List<Node> body) {
    StringBuilder out = new StringBuilder();
    Frame top = new Frame(globals);
    execute(body, top, out);
    return out.toString();
  }

  // ---- statements ----

  private void execute(List<Node> body, Frame frame, StringBuilder out) {
    for (Node n : body) {
      execute(n, frame, out);
    }
  }

  private void execute(Node node, Frame frame, StringBuilder out) {
    if (node instanceof Node.Text t) {
      out.append(t.text());
    } else if (node instanceof Node.Output o) {
      out.append(PyFormat.str(eval(o.expr(), frame)));
    } else if (node instanceof Node.If s) {
      for (int k = 0; k < s.tests().size(); k++) {
        if (Py.truthy(eval(s.tests().get(k), frame))) {
          execute(s.bodies().get(k), frame, out);
          return;
        }
      }
      execute(s.orElse(), frame, out);
    } else if (node instanceof Node.For f) {
      forLoop(f, frame, out);
    } else if (node instanceof Node.Set s) {
      assign(s, frame);
    } else if (node instanceof Node.Macro m) {
      frame.vars.put(m.name(), macro(m, frame));
    } else if (node instanceof Node.LoopControl c) {
      if (loopDepth == 0) {
        throw JinjaException.syntax(c.line(), "'" + (c.isBreak() ? "break" : "continue") + "' outside a for loop");
      }
      throw c.isBreak() ? BREAK : CONTINUE;
    } else if (node instanceof Node.Block b) {
      execute(b.body(), frame, out);
    } else {
      throw JinjaException.render(node.line(), "not a statement: " + node.getClass().getSimpleName());
    }
  }

  private void forLoop(Node.For f, Frame frame, StringBuilder out) {
    List<Object> items = new ArrayList<>();
    for (Object item : Py.iterate(f.line(), eval(f.iterable(), frame))) {
      if (f.filter() != null) {
        Frame probe = new Frame(frame);
        bindTargets(f.line(), f.targets(), item, probe);
        if (!Py.truthy(eval(f.filter(), probe))) {
          continue;
        }
      }
      items.add(item);
    }
    if (items.isEmpty()) {
      execute(f.orElse(), frame, out);
      return;
    }
    Py.Loop loop = new Py.Loop(items);
    loopDepth++;
    try {
      for (int k = 0; k < items.size(); k++) {
        loop.index0 = k;
        Frame iteration = new Frame(frame);
        iteration.vars.put("loop", loop);
        bindTargets(f.line(), f.targets(), items.get(k), iteration);
        try {
          execute(f.body(), iteration, out);
        } catch (LoopSignal signal) {
          if (signal.isBreak) {
            break;
          }
        }
      }
    } finally {
      loopDepth--;
    }
  }

  private static void bindTargets(int line, List<String> targets, Object item, Frame frame) {
    if (targets.size() == 1) {
      frame.vars.put(targets.get(0), item);
      return;
    }
    List<Object> parts = Py.iterate(line, item);
    if (parts.size() != targets.size()) {
      throw JinjaException.render(line, "cannot unpack " + parts.size() + " values into " + targets.size()
          + " loop variables");
    }
    for (int k = 0; k < targets.size(); k++) {
      frame.vars.put(targets.get(k), parts.get(k));
    }
  }

  private void assign(Node.Set s, Frame frame) {
    Object value;
    if (s.body() != null) {
      StringBuilder captured = new StringBuilder();
      execute(s.body(), frame, captured);
      value = captured.toString();
    } else {
      value = eval(s.value(), frame);
    }
    List<Node> targets = s.targets();
    List<Object> values;
    if (targets.size() == 1) {
      values = List.of(value == null ? NULL : value);
    } else {
      values = new ArrayList<>();
      for (Object v : Py.iterate(s.line(), value)) {
        values.add(v == null ? NULL : v);
      }
      if (values.size() != targets.size()) {
        throw JinjaException.render(s.line(), "cannot unpack " + values.size() + " values into " + targets.size()
            + " names");
      }
    }
    for (int k = 0; k < targets.size(); k++) {
      Object v = values.get(k) == NULL ? null : values.get(k);
      Node target = targets.get(k);
      if (target instanceof Node.Name n) {
        frame.vars.put(n.name(), v);
      } else {
        Node.Attr a = (Node.Attr) target;
        Object ns = eval(a.target(), frame);
        if (!(ns instanceof Namespace namespace)) {
          throw JinjaException.render(s.line(), "cannot assign attribute on non-namespace object");
        }
        namespace.attributes.put(a.name(), v);
      }
    }
  }

  private static final Object NULL = new Object();

  private Py.Callable macro(Node.Macro m, Frame definedIn) {
    return (line, args, kwargs) -> {
      if (args.size() > m.params().size()) {
        throw JinjaException.render(line, "macro '" + m.name() + "' takes " + m.params().size()
            + " arguments, found " + args.size());
      }
      Frame call = new Frame(definedIn);
      for (int k = 0; k < m.params().size(); k++) {
        String p = m.params().get(k);
        if (k < args.size()) {
          call.vars.put(p, args.get(k));
        } else if (kwargs.containsKey(p)) {
          call.vars.put(p, kwargs.get(p));
        } else if (m.defaults().get(k) != null) {
          call.vars.put(p, eval(m.defaults().get(k), call));
        } else {
          call.vars.put(p, new Undefined("parameter '" + p + "' was not provided"));
        }
      }
      for (String k : kwargs.keySet()) {
        if (!m.params().contains(k)) {
          throw JinjaException.render(line, "macro '" + m.name() + "' takes no keyword argument '" + k + "'");
        }
      }
      StringBuilder out = new StringBuilder();
      int savedDepth = loopDepth;
      loopDepth = 0;
      try {
        execute(m.body(), call, out);
      } finally {
        loopDepth = savedDepth;
      }
      return out.toString();
    };
  }

  // ---- expressions ----

  private Object eval(Node node, Frame frame) {
    if (node instanceof Node.Literal l) {
      return l.value();
    }
    if (node instanceof Node.Name n) {
      return frame.lookup(n.name());
    }
    if (node instanceof Node.ListLit l) {
      List<Object> items = new ArrayList<>();
      for (Node x : l.items()) {
        items.add(eval(x, frame));
      }
      return l.tuple() ? new Tuple(items) : Py.list(items);
    }
    if (node instanceof Node.DictLit d) {
      Map<Object, Object> m = new LinkedHashMap<>();
      for (int k = 0; k < d.keys().size(); k++) {
        m.put(eval(d.keys().get(k), frame), eval(d.values().get(k), frame));
      }
      return java.util.Collections.unmodifiableMap(m);
    }
    if (node instanceof Node.Attr a) {
      return PyAccess.getattr(a.line(), eval(a.target(), frame), a.name());
    }
    if (node instanceof Node.Item i) {
      Object key = eval(i.key(), frame);
      Py.undefinedCheck(i.line(), key);
      return PyAccess.getitem(i.line(), eval(i.target(), frame), key);
    }
    if (node instanceof Node.Slice s) {
      return PyAccess.slice(s.line(), eval(s.target(), frame), evalOrNull(s.start(), frame), evalOrNull(s.stop(), frame),
          evalOrNull(s.step(), frame));
    }
    if (node instanceof Node.Call c) {
      return call(c, frame);
    }
    if (node instanceof Node.Filter f) {
      return Filters.filter(f.line(), f.name(), eval(f.target(), frame), evalAll(f.args(), frame),
          evalKeywords(f.kwNames(), f.kwValues(), frame), this);
    }
    if (node instanceof Node.Test t) {
      boolean result = JinjaTests.test(t.line(), t.name(), eval(t.target(), frame), evalAll(t.args(), frame));
      return result != t.negated();
    }
    if (node instanceof Node.Unary u) {
      Object v = eval(u.operand(), frame);
      if (u.op().equals("not")) {
        return !Py.truthy(v);
      }
      Py.undefinedCheck(u.line(), v);
      if (!Py.isNumber(v)) {
        throw JinjaException.render(u.line(), "bad operand type for unary " + u.op() + ": '" + Py.typeName(v) + "'");
      }
      if (u.op().equals("+")) {
        return v instanceof Boolean ? (Object) Py.toLong(v) : v;
      }
      return v instanceof Double d ? (Object) (-d) : (Object) Math.negateExact(Py.toLong(v));
    }
    if (node instanceof Node.Binary b) {
      return PyOps.binary(b.line(), b.op(), eval(b.left(), frame), eval(b.right(), frame));
    }
    if (node instanceof Node.Logic l) {
      Object left = eval(l.left(), frame);
      if (l.isAnd() != Py.truthy(left)) {
        return left;
      }
      return eval(l.right(), frame);
    }
    if (node instanceof Node.Compare c) {
      Object left = eval(c.first(), frame);
      for (int k = 0; k < c.ops().size(); k++) {
        Object right = eval(c.rest().get(k), frame);
        if (!compare(c.line(), c.ops().get(k), left, right)) {
          return false;
        }
        left = right;
      }
      return true;
    }
    if (node instanceof Node.Conditional c) {
      if (Py.truthy(eval(c.test(), frame))) {
        return eval(c.then(), frame);
      }
      return c.orElse() == null ? new Undefined("the inline if expression evaluated to false and no else section "
          + "was defined") : eval(c.orElse(), frame);
    }
    throw JinjaException.render(node.line(), "not an expression: " + node.getClass().getSimpleName());
  }

  private static boolean compare(int line, String op, Object a, Object b) {
    return switch (op) {
      case "==" -> PyOps.eq(a, b);
      case "!=" -> !PyOps.eq(a, b);
      case "<" -> PyOps.compare(line, op, a, b) < 0;
      case ">" -> PyOps.compare(line, op, a, b) > 0;
      case "<=" -> PyOps.compare(line, op, a, b) <= 0;
      case ">=" -> PyOps.compare(line, op, a, b) >= 0;
      case "in" -> PyOps.contains(line, b, a);
      case "not in" -> !PyOps.contains(line, b, a);
      default -> throw JinjaException.render(line, "unknown comparison " + op);
    };
  }

  private Object call(Node.Call c, Frame frame) {
    Object callee = eval(c.callee(), frame);
    List<Object> args = evalAll(c.args(), frame);
    Map<String, Object> kwargs = evalKeywords(c.kwNames(), c.kwValues(), frame);
    if (callee instanceof Undefined u) {
      throw u.error(c.line());
    }
    if (!(callee instanceof Py.Callable f)) {
      throw JinjaException.render(c.line(), "'" + Py.typeName(callee) + "' object is not callable");
    }
    return f.call(c.line(), args, kwargs);
  }

  private Object evalOrNull(Node n, Frame frame) {
    if (n == null) {
      return null;
    }
    Object v = eval(n, frame);
    Py.undefinedCheck(n.line(), v);
    return v;
  }

  private List<Object> evalAll(List<Node> nodes, Frame frame) {
    List<Object> out = new ArrayList<>(nodes.size());
    for (Node n : nodes) {
      out.add(eval(n, frame));
    }
    return out;
  }

  private Map<String, Object> evalKeywords(List<String> names, List<Node> values, Frame frame) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int k = 0; k < names.size(); k++) {
      out.put(names.get(k), eval(values.get(k), frame));
    }
    return out;
  }
}
