package ai.iro.onnx.internal.jinja;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
      return Builtins.method(line, self, name, args, kwargs);
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

  // ---- truth, names, printing ----

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

  /** Python's {@code str(v)}; undefined prints as the empty string, as Jinja's default undefined does. */
  static String str(Object v) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof Undefined) {
      return "";
    }
    return repr(v);
  }

  /** Python's {@code repr(v)}. */
  static String repr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof Long l) {
      return l.toString();
    }
    if (v instanceof Double d) {
      return floatRepr(d);
    }
    if (v instanceof String s) {
      return stringRepr(s);
    }
    if (v instanceof Undefined) {
      return "";
    }
    if (v instanceof Tuple t) {
      StringBuilder b = new StringBuilder("(");
      for (int i = 0; i < t.size(); i++) {
        b.append(i == 0 ? "" : ", ").append(repr(t.get(i)));
      }
      return b.append(t.size() == 1 ? ",)" : ")").toString();
    }
    if (v instanceof List<?> l) {
      StringBuilder b = new StringBuilder("[");
      for (int i = 0; i < l.size(); i++) {
        b.append(i == 0 ? "" : ", ").append(repr(l.get(i)));
      }
      return b.append(']').toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder b = new StringBuilder("{");
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        b.append(first ? "" : ", ").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
        first = false;
      }
      return b.append('}').toString();
    }
    if (v instanceof Namespace n) {
      return "<Namespace " + repr(n.attributes) + ">";
    }
    return "<" + typeName(v) + ">";
  }

  static String stringRepr(String s) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    StringBuilder b = new StringBuilder().append(quote);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == quote || c == '\\') {
        b.append('\\').append(c);
      } else if (c == '\n') {
        b.append("\\n");
      } else if (c == '\r') {
        b.append("\\r");
      } else if (c == '\t') {
        b.append("\\t");
      } else if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append(quote).toString();
  }

  /** Python's float repr: the shortest round-trip digits, scientific below 1e-4 and from 1e16. */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal bd = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    int exponent = bd.precision() - bd.scale() - 1;
    if (exponent >= -4 && exponent < 16) {
      String plain = bd.toPlainString();
      return plain.contains(".") ? plain : plain + ".0";
    }
    String digits = bd.unscaledValue().abs().toString();
    StringBuilder b = new StringBuilder(bd.signum() < 0 ? "-" : "");
    b.append(digits.charAt(0));
    if (digits.length() > 1) {
      b.append('.').append(digits, 1, digits.length());
    }
    b.append('e').append(exponent < 0 ? '-' : '+');
    int abs = Math.abs(exponent);
    b.append(abs < 10 ? "0" : "").append(abs);
    return b.toString();
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

  // ---- arithmetic ----

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

  private static boolean isInt(Object v) {
    return v instanceof Long || v instanceof Boolean;
  }

  // ---- access ----

  /** {@code obj.name}: an attribute (a method, a namespace or loop attribute), else a dict item. */
  static Object getattr(int line, Object obj, String name) {
    if (obj instanceof Undefined u) {
      throw u.error(line);
    }
    if (name.startsWith("_")) {
      throw JinjaException.render(line, "access to attribute '" + name + "' of '" + typeName(obj)
          + "' object is unsafe.");
    }
    if (obj instanceof Namespace n) {
      return n.attributes.containsKey(name) ? n.attributes.get(name)
          : new Undefined("'" + repr(obj) + "' has no attribute '" + name + "'");
    }
    if (obj instanceof Loop l) {
      return l.attribute(line, name);
    }
    if (Builtins.hasMethod(obj, name)) {
      return new BoundMethod(obj, name);
    }
    if (obj instanceof Map<?, ?> m && m.containsKey(name)) {
      return m.get(name);
    }
    return new Undefined("'" + objectName(obj) + "' has no attribute '" + name + "'");
  }

  /** {@code obj[key]}: an item, else (for a string key) an attribute. */
  static Object getitem(int line, Object obj, Object key) {
    if (obj instanceof Undefined u) {
      throw u.error(line);
    }
    if (obj instanceof Map<?, ?> m) {
      if (m.containsKey(key)) {
        return m.get(key);
      }
      if (isNumber(key) && m.containsKey(toLong(key))) {
        return m.get(toLong(key));
      }
    } else if ((obj instanceof List<?> || obj instanceof String) && isInt(key)) {
      int n = obj instanceof String s ? s.length() : ((List<?>) obj).size();
      long k = toLong(key);
      if (k < 0) {
        k += n;
      }
      if (k >= 0 && k < n) {
        return obj instanceof String s ? String.valueOf(s.charAt((int) k)) : ((List<?>) obj).get((int) k);
      }
      return new Undefined("'" + objectName(obj) + "' has no element " + toLong(key));
    }
    if (key instanceof String s) {
      return getattr(line, obj, s);
    }
    return new Undefined("'" + objectName(obj) + "' has no element " + repr(key));
  }

  static Object slice(int line, Object obj, Object start, Object stop, Object step) {
    undefinedCheck(line, obj);
    long st = step == null ? 1 : toLong(step);
    if (st == 0) {
      throw JinjaException.render(line, "slice step cannot be zero");
    }
    List<Object> items;
    if (obj instanceof String s) {
      items = new ArrayList<>();
      s.codePoints().forEach(c -> items.add(new String(Character.toChars(c))));
    } else if (obj instanceof List<?> l) {
      items = new ArrayList<>(l);
    } else {
      throw JinjaException.render(line, "'" + typeName(obj) + "' object is not subscriptable");
    }
    int n = items.size();
    long lo;
    long hi;
    if (st > 0) {
      lo = start == null ? 0 : clampIndex(toLong(start), n, 0, n);
      hi = stop == null ? n : clampIndex(toLong(stop), n, 0, n);
    } else {
      lo = start == null ? n - 1 : clampIndex(toLong(start), n, -1, n - 1);
      hi = stop == null ? -1 : clampIndex(toLong(stop), n, -1, n - 1);
    }
    List<Object> out = new ArrayList<>();
    for (long k = lo; st > 0 ? k < hi : k > hi; k += st) {
      out.add(items.get((int) k));
    }
    if (obj instanceof String) {
      StringBuilder b = new StringBuilder();
      out.forEach(x -> b.append((String) x));
      return b.toString();
    }
    return obj instanceof Tuple ? new Tuple(out) : list(out);
  }

  private static long clampIndex(long k, int n, long min, long max) {
    if (k < 0) {
      k += n;
    }
    return Math.max(min, Math.min(max, k));
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

  private static String objectName(Object obj) {
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
