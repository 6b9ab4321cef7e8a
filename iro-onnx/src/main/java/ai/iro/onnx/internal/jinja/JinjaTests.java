package ai.iro.onnx.internal.jinja;

import static ai.iro.onnx.internal.jinja.Methods.stringMethod;

import ai.iro.onnx.internal.jinja.Py.Undefined;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tests of the supported Jinja subset ({@code x is defined}, {@code x is divisibleby 3}), with
 * Jinja2's behaviour.
 */
final class JinjaTests {
  static final Set<String> NAMES = Set.of("boolean", "callable", "defined", "divisibleby", "eq", "equalto", "==",
      "even", "false", "float", "ge", ">=", "gt", ">", "greaterthan", "in", "integer", "iterable", "le", "<=", "lower",
      "lt", "<", "lessthan", "mapping", "ne", "!=", "none", "number", "odd", "sameas", "sequence", "string", "true",
      "undefined", "upper");

  private JinjaTests() {
  }

  static boolean test(int line, String name, Object v, List<Object> args) {
    switch (name) {
      case "defined" -> {
        return !(v instanceof Undefined);
      }
      case "undefined" -> {
        return v instanceof Undefined;
      }
      case "none" -> {
        return v == null;
      }
      case "true" -> {
        return Boolean.TRUE.equals(v);
      }
      case "false" -> {
        return Boolean.FALSE.equals(v);
      }
      case "boolean" -> {
        return v instanceof Boolean;
      }
      case "string" -> {
        return v instanceof String;
      }
      case "number" -> {
        return Py.isNumber(v);
      }
      case "integer" -> {
        return v instanceof Long;
      }
      case "float" -> {
        return v instanceof Double;
      }
      case "mapping" -> {
        return v instanceof Map;
      }
      case "iterable" -> {
        return v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
      }
      case "sequence" -> {
        return v instanceof String || v instanceof List || v instanceof Map;
      }
      case "callable" -> {
        return v instanceof Py.Callable;
      }
      case "lower" -> {
        return v instanceof String s && (boolean) stringMethod(line, s, "islower", List.of());
      }
      case "upper" -> {
        return v instanceof String s && (boolean) stringMethod(line, s, "isupper", List.of());
      }
      default -> { }
    }
    Py.undefinedCheck(line, v);
    switch (name) {
      case "odd", "even" -> {
        return (Math.floorMod(Py.toLong(v), 2) == 1) == name.equals("odd");
      }
      case "divisibleby" -> {
        return Math.floorMod(Py.toLong(v), Py.toLong(one(line, name, args))) == 0;
      }
      case "eq", "equalto", "==" -> {
        return PyOps.eq(v, one(line, name, args));
      }
      case "ne", "!=" -> {
        return !PyOps.eq(v, one(line, name, args));
      }
      case "sameas" -> {
        Object o = one(line, name, args);
        return v == o || (v == null && o == null) || (v instanceof Boolean && v.equals(o));
      }
      case "in" -> {
        return PyOps.contains(line, one(line, name, args), v);
      }
      case "gt", ">", "greaterthan" -> {
        return PyOps.compare(line, ">", v, one(line, name, args)) > 0;
      }
      case "ge", ">=" -> {
        return PyOps.compare(line, ">=", v, one(line, name, args)) >= 0;
      }
      case "lt", "<", "lessthan" -> {
        return PyOps.compare(line, "<", v, one(line, name, args)) < 0;
      }
      case "le", "<=" -> {
        return PyOps.compare(line, "<=", v, one(line, name, args)) <= 0;
      }
      default -> throw JinjaException.render(line, "unknown test '" + name + "'");
    }
  }

  private static Object one(int line, String test, List<Object> args) {
    if (args.size() != 1) {
      throw JinjaException.render(line, "test '" + test + "' takes one argument, found " + args.size());
    }
    return args.get(0);
  }
}
