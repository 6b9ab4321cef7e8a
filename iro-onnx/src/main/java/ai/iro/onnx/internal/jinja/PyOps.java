package ai.iro.onnx.internal.jinja;

import static ai.iro.onnx.internal.jinja.Py.isInt;
import static ai.iro.onnx.internal.jinja.Py.isNumber;
import static ai.iro.onnx.internal.jinja.Py.list;
import static ai.iro.onnx.internal.jinja.Py.toDouble;
import static ai.iro.onnx.internal.jinja.Py.toLong;
import static ai.iro.onnx.internal.jinja.Py.typeName;
import static ai.iro.onnx.internal.jinja.Py.undefinedCheck;
import static ai.iro.onnx.internal.jinja.PyFormat.str;

import ai.iro.onnx.internal.jinja.Py.Tuple;
import ai.iro.onnx.internal.jinja.Py.Undefined;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Python's operators on template values: equality, order, membership ({@code in}) and arithmetic,
 * with Python's errors for unsupported operand types.
 */
final class PyOps {
  private PyOps() {
  }

  // ---- equality and order ----

  static boolean eq(Object a, Object b) {
    if (a instanceof Undefined || b instanceof Undefined) {
      return a instanceof Undefined && b instanceof Undefined;
    }
    if (isNumber(a) && isNumber(b)) {
      if (a instanceof Double || b instanceof Double) {
        return toDouble(a) == toDouble(b);
      }
      return toLong(a) == toLong(b);
    }
    if (a instanceof List<?> x && b instanceof List<?> y) {
      if ((a instanceof Tuple) != (b instanceof Tuple) || x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!eq(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (Map.Entry<?, ?> e : x.entrySet()) {
        if (!y.containsKey(e.getKey()) || !eq(e.getValue(), y.get(e.getKey()))) {
          return false;
        }
      }
      return true;
    }
    return Objects.equals(a, b) || a == b;
  }

  static int compare(int line, String op, Object a, Object b) {
    undefinedCheck(line, a);
    undefinedCheck(line, b);
    if (isNumber(a) && isNumber(b)) {
      return Double.compare(toDouble(a), toDouble(b)) == 0 && !(a instanceof Double || b instanceof Double)
          ? Long.compare(toLong(a), toLong(b)) : Double.compare(toDouble(a), toDouble(b));
    }
    if (a instanceof String x && b instanceof String y) {
      return x.compareTo(y);
    }
    if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof Tuple) == (b instanceof Tuple)) {
      for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
        if (!eq(x.get(i), y.get(i))) {
          return compare(line, op, x.get(i), y.get(i));
        }
      }
      return Integer.compare(x.size(), y.size());
    }
    throw JinjaException.render(line, "'" + op + "' not supported between instances of '" + typeName(a) + "' and '"
        + typeName(b) + "'");
  }

  static boolean contains(int line, Object container, Object item) {
    undefinedCheck(line, item);
    if (container instanceof Undefined) {
      return false;
    }
    if (container instanceof String s) {
      if (!(item instanceof String sub)) {
        throw JinjaException.render(line, "'in <string>' requires string as left operand, not " + typeName(item));
      }
      return s.contains(sub);
    }
    if (container instanceof List<?> l) {
      for (Object x : l) {
        if (eq(x, item)) {
          return true;
        }
      }
      return false;
    }
    if (container instanceof Map<?, ?> m) {
      return m.containsKey(item) || (isNumber(item) && m.containsKey(toLong(item)));
    }
    throw JinjaException.render(line, "argument of type '" + typeName(container) + "' is not iterable");
  }

  static Object binary(int line, String op, Object a, Object b) {
    if (op.equals("~")) {
      return str(a) + str(b);
    }
    undefinedCheck(line, a);
    undefinedCheck(line, b);
    switch (op) {
      case "+" -> {
        if (a instanceof String x && b instanceof String y) {
          return x + y;
        }
        if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof Tuple) == (b instanceof Tuple)) {
          List<Object> out = new ArrayList<>(x);
          out.addAll(y);
          return a instanceof Tuple ? new Tuple(out) : list(out);
        }
        if (a instanceof String && !(b instanceof String)) {
          throw JinjaException.render(line, "can only concatenate str (not \"" + typeName(b) + "\") to str");
        }
        if (a instanceof List && !(a instanceof Tuple) && !(b instanceof List)) {
          throw JinjaException.render(line, "can only concatenate list (not \"" + typeName(b) + "\") to list");
        }
      }
      case "*" -> {
        if (a instanceof String s && isInt(b)) {
          return s.repeat((int) Math.max(0, toLong(b)));
        }
        if (isInt(a) && b instanceof String s) {
          return s.repeat((int) Math.max(0, toLong(a)));
        }
        if (a instanceof List<?> l && isInt(b)) {
          List<Object> out = new ArrayList<>();
          for (long k = 0; k < toLong(b); k++) {
            out.addAll(l);
          }
          return a instanceof Tuple ? new Tuple(out) : list(out);
        }
      }
      case "%" -> {
        if (a instanceof String) {
          throw JinjaException.render(line, "printf-style '%' string formatting is not supported by this Jinja subset");
        }
      }
      default -> { }
    }
    if (!isNumber(a) || !isNumber(b)) {
      throw JinjaException.render(line, "unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '"
          + typeName(b) + "'");
    }
    boolean floats = a instanceof Double || b instanceof Double;
    switch (op) {
      case "+" -> {
        return floats ? (Object) (toDouble(a) + toDouble(b)) : (Object) Math.addExact(toLong(a), toLong(b));
      }
      case "-" -> {
        return floats ? (Object) (toDouble(a) - toDouble(b)) : (Object) Math.subtractExact(toLong(a), toLong(b));
      }
      case "*" -> {
        return floats ? (Object) (toDouble(a) * toDouble(b)) : (Object) Math.multiplyExact(toLong(a), toLong(b));
      }
      case "/" -> {
        if (toDouble(b) == 0) {
          throw JinjaException.render(line, "division by zero");
        }
        return toDouble(a) / toDouble(b);
      }
      case "//" -> {
        if (toDouble(b) == 0) {
          throw JinjaException.render(line, "integer division or modulo by zero");
        }
        return floats ? (Object) Math.floor(toDouble(a) / toDouble(b)) : (Object) Math.floorDiv(toLong(a), toLong(b));
      }
      case "%" -> {
        if (toDouble(b) == 0) {
          throw JinjaException.render(line, "integer division or modulo by zero");
        }
        if (floats) {
          double x = toDouble(a);
          double y = toDouble(b);
          return x - y * Math.floor(x / y);
        }
        return Math.floorMod(toLong(a), toLong(b));
      }
      case "**" -> {
        if (!floats && toLong(b) >= 0) {
          long result = 1;
          for (long k = 0; k < toLong(b); k++) {
            result = Math.multiplyExact(result, toLong(a));
          }
          return result;
        }
        return Math.pow(toDouble(a), toDouble(b));
      }
      default -> throw JinjaException.render(line, "unknown operator " + op);
    }
  }
}
