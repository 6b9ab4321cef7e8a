package ai.iro.onnx.internal.jinja;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Values with Python's semantics, as Jinja2 sees them: {@code null} is None, {@link Undefined} is
 * Jinja's undefined, {@link Long} int, {@link Double} float, {@link Boolean} bool (an int in
 * arithmetic), {@link String} str, {@link List} list (a {@link Tuple} for tuples) and {@link Map} dict,
 * all immutable as in Jinja's immutable sandbox; {@link Namespace} is {@code namespace(...)}.
 */
final class Py {
  private Py() {
  }

  /** Jinja's undefined: empty when printed, false when tested, an error when used otherwise. */
  static final class Undefined {
    final String message;

    Undefined(String message) {
      this.message = message;
    }

    JinjaException error(int line) {
      return JinjaException.render(line, message);
    }
  }

  /** A tuple: a list that prints with parentheses. */
  static final class Tuple extends java.util.AbstractList<Object> {
    private final List<Object> items;

    Tuple(List<Object> items) {
      this.items = Collections.unmodifiableList(new ArrayList<>(items));
    }

    @Override
    public Object get(int index) {
      return items.get(index);
    }

    @Override
    public int size() {
      return items.size();
    }
  }

  /** {@code namespace(...)}: the one value a template may change, by {@code set ns.attr = value}. */
  static final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();
  }

  /** Something a template can call. */
  interface Callable {
    Object call(int line, List<Object> args, Map<String, Object> kwargs);
  }

  /** A method looked up on a value, called later. */
  record BoundMethod(Object self, String name) implements Callable {
    @Override
    public Object call(int line, List<Object> args, Map<String, Object> kwargs) {
      return Methods.method(line, self, name, args, kwargs);
    }
  }

  // ---- conversion from Java ----

  /** A Java value (maps, lists, numbers, strings, booleans, null) as a template value. */
  static Object of(Object v) {
    if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double
        || v instanceof Undefined || v instanceof Namespace || v instanceof Callable || v instanceof Tuple) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof Float || v instanceof BigDecimal) {
      return ((Number) v).doubleValue();
    }
    if (v instanceof java.math.BigInteger b) {
      return b.longValueExact();
    }
    if (v instanceof Character c) {
      return c.toString();
    }
    if (v instanceof Map<?, ?> m) {
      Map<Object, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(of(k), of(x)));
      return Collections.unmodifiableMap(out);
    }
    if (v instanceof Iterable<?> it) {
      List<Object> out = new ArrayList<>();
      it.forEach(x -> out.add(of(x)));
      return Collections.unmodifiableList(out);
    }
    if (v instanceof Object[] a) {
      return of(java.util.Arrays.asList(a));
    }
    throw new IllegalArgumentException("cannot pass a " + v.getClass().getName() + " to a template");
  }

  static List<Object> list(List<Object> items) {
    return Collections.unmodifiableList(new ArrayList<>(items));
  }

  // ---- truth and names ----

  static boolean truthy(Object v) {
    if (v == null || v instanceof Undefined) {
      return false;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof Long l) {
      return l != 0;
    }
    if (v instanceof Double d) {
      return d != 0.0;
    }
    if (v instanceof String s) {
      return !s.isEmpty();
    }
    if (v instanceof List<?> l) {
      return !l.isEmpty();
    }
    if (v instanceof Map<?, ?> m) {
      return !m.isEmpty();
    }
    return true;
  }

  static String typeName(Object v) {
    if (v == null) {
      return "NoneType";
    }
    if (v instanceof Undefined) {
      return "Undefined";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof Long) {
      return "int";
    }
    if (v instanceof Double) {
      return "float";
    }
    if (v instanceof String) {
      return "str";
    }
    if (v instanceof Tuple) {
      return "tuple";
    }
    if (v instanceof List) {
      return "list";
    }
    if (v instanceof Map) {
      return "dict";
    }
    if (v instanceof Namespace) {
      return "Namespace";
    }
    if (v instanceof Loop) {
      return "LoopContext";
    }
    return "function";
  }

  // ---- numbers and undefined ----

  static boolean isNumber(Object v) {
    return v instanceof Long || v instanceof Double || v instanceof Boolean;
  }

  static long toLong(Object v) {
    return v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).longValue();
  }

  static double toDouble(Object v) {
    return v instanceof Boolean b ? (b ? 1 : 0) : ((Number) v).doubleValue();
  }

  static void undefinedCheck(int line, Object v) {
    if (v instanceof Undefined u) {
      throw u.error(line);
    }
  }

  static boolean isInt(Object v) {
    return v instanceof Long || v instanceof Boolean;
  }

  /** The items a for loop sees: list elements, dict keys, string characters. */
  static List<Object> iterate(int line, Object v) {
    if (v instanceof Undefined) {
      return List.of();
    }
    if (v instanceof List<?> l) {
      return new ArrayList<>(l);
    }
    if (v instanceof Map<?, ?> m) {
      return new ArrayList<>(m.keySet());
    }
    if (v instanceof String s) {
      List<Object> out = new ArrayList<>();
      s.codePoints().forEach(c -> out.add(new String(Character.toChars(c))));
      return out;
    }
    throw JinjaException.render(line, "'" + typeName(v) + "' object is not iterable");
  }

  static long length(int line, Object v) {
    if (v instanceof String s) {
      return s.codePointCount(0, s.length());
    }
    if (v instanceof List<?> l) {
      return l.size();
    }
    if (v instanceof Map<?, ?> m) {
      return m.size();
    }
    if (v instanceof Undefined) {
      return 0;
    }
    throw JinjaException.render(line, "object of type '" + typeName(v) + "' has no len()");
  }

  static String objectName(Object obj) {
    return obj == null ? "None" : typeName(obj) + " object";
  }

  // ---- the loop variable ----

  /** The {@code loop} variable of a for loop. */
  static final class Loop {
    final List<Object> items;
    int index0;

    Loop(List<Object> items) {
      this.items = items;
    }

    Object attribute(int line, String name) {
      int n = items.size();
      return switch (name) {
        case "index0" -> (long) index0;
        case "index" -> (long) index0 + 1;
        case "revindex" -> (long) (n - index0);
        case "revindex0" -> (long) (n - index0 - 1);
        case "first" -> index0 == 0;
        case "last" -> index0 == n - 1;
        case "length" -> (long) n;
        case "depth" -> 1L;
        case "depth0" -> 0L;
        case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
        case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : new Undefined("there is no next item");
        case "cycle" -> (Callable) (l, args, kw) -> {
          if (args.isEmpty()) {
            throw JinjaException.render(l, "no items for cycling given");
          }
          return args.get(index0 % args.size());
        };
        default -> new Undefined("'LoopContext object' has no attribute '" + name + "'");
      };
    }
  }
}