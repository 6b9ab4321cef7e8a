package ai.iro.onnx.internal.jinja;

import ai.iro.onnx.internal.jinja.Py.Tuple;
import ai.iro.onnx.internal.jinja.Py.Undefined;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The filters, tests and methods of the supported Jinja subset, with Jinja2's and Python's
 * behaviour, and the {@code tojson} filter as transformers overrides it ({@code json.dumps} with
 * {@code ensure_ascii=False}). Methods that would change a value ({@code list.append},
 * {@code dict.update}) are refused as Jinja's immutable sandbox refuses them.
 */
final class Builtins {
  static final Set<String> FILTERS = Set.of("abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e",
      "escape", "first", "float", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max",
      "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string",
      "sum", "title", "tojson", "trim", "unique", "upper", "wordcount");
  static final Set<String> TESTS = Set.of("boolean", "callable", "defined", "divisibleby", "eq", "equalto", "==",
      "even", "false", "float", "ge", ">=", "gt", ">", "greaterthan", "in", "integer", "iterable", "le", "<=", "lower",
      "lt", "<", "lessthan", "mapping", "ne", "!=", "none", "number", "odd", "sameas", "sequence", "string", "true",
      "undefined", "upper");
  private static final Set<String> STRING_METHODS = Set.of("strip", "lstrip", "rstrip", "split", "rsplit",
      "startswith", "endswith", "upper", "lower", "title", "capitalize", "replace", "find", "rfind", "count", "join",
      "splitlines", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "removeprefix", "removesuffix");
  private static final Set<String> DICT_METHODS = Set.of("items", "keys", "values", "get");
  private static final Set<String> LIST_METHODS = Set.of("index", "count");
  private static final Set<String> UNSAFE_METHODS = Set.of("append", "extend", "insert", "pop", "remove", "reverse",
      "sort", "clear", "update", "setdefault", "popitem", "add", "discard", "difference_update",
      "intersection_update", "symmetric_difference_update");

  private Builtins() {
  }

  // ---- methods ----

  static boolean hasMethod(Object self, String name) {
    if (UNSAFE_METHODS.contains(name) && (self instanceof List || self instanceof Map)) {
      return true;
    }
    if (self instanceof String) {
      return STRING_METHODS.contains(name);
    }
    if (self instanceof Map) {
      return DICT_METHODS.contains(name);
    }
    if (self instanceof List) {
      return LIST_METHODS.contains(name);
    }
    return false;
  }

  static Object method(int line, Object self, String name, List<Object> args, Map<String, Object> kwargs) {
    if (UNSAFE_METHODS.contains(name)) {
      throw JinjaException.render(line, "access to attribute '" + name + "' of '" + Py.typeName(self)
          + "' object is unsafe.");
    }
    if (!kwargs.isEmpty()) {
      throw JinjaException.render(line, Py.typeName(self) + "." + name + "() takes no keyword arguments here");
    }
    for (Object a : args) {
      Py.undefinedCheck(line, a);
    }
    if (self instanceof String s) {
      return stringMethod(line, s, name, args);
    }
    if (self instanceof Map<?, ?> m) {
      switch (name) {
        case "items" -> {
          List<Object> out = new ArrayList<>();
          m.forEach((k, v) -> out.add(new Tuple(java.util.Arrays.asList(k, v))));
          return Py.list(out);
        }
        case "keys" -> {
          return Py.list(new ArrayList<>(m.keySet()));
        }
        case "values" -> {
          return Py.list(new ArrayList<>(m.values()));
        }
        case "get" -> {
          arity(line, name, args, 1, 2);
          return m.containsKey(args.get(0)) ? m.get(args.get(0)) : args.size() > 1 ? args.get(1) : null;
        }
        default -> { }
      }
    }
    if (self instanceof List<?> l) {
      arity(line, name, args, 1, 1);
      if (name.equals("count")) {
        return l.stream().filter(x -> PyOps.eq(x, args.get(0))).count();
      }
      for (int k = 0; k < l.size(); k++) {
        if (PyOps.eq(l.get(k), args.get(0))) {
          return (long) k;
        }
      }
      throw JinjaException.render(line, PyFormat.repr(args.get(0)) + " is not in list");
    }
    throw JinjaException.render(line, "'" + Py.typeName(self) + "' object has no attribute '" + name + "'");
  }

  private static Object stringMethod(int line, String s, String name, List<Object> args) {
    switch (name) {
      case "strip", "lstrip", "rstrip" -> {
        arity(line, name, args, 0, 1);
        String chars = args.isEmpty() || args.get(0) == null ? null : string(line, args.get(0), name);
        return strip(s, chars, !name.equals("rstrip"), !name.equals("lstrip"));
      }
      case "split", "rsplit" -> {
        arity(line, name, args, 0, 2);
        String sep = args.isEmpty() || args.get(0) == null ? null : string(line, args.get(0), name);
        long max = args.size() > 1 ? Py.toLong(args.get(1)) : -1;
        return Py.list(split(line, s, sep, max, name.equals("rsplit")));
      }
      case "startswith", "endswith" -> {
        arity(line, name, args, 1, 1);
        List<Object> options = args.get(0) instanceof Tuple t ? t : List.of(args.get(0));
        for (Object o : options) {
          String p = string(line, o, name);
          if (name.equals("startswith") ? s.startsWith(p) : s.endsWith(p)) {
            return true;
          }
        }
        return false;
      }
      case "upper" -> {
        return s.toUpperCase(Locale.ROOT);
      }
      case "lower" -> {
        return s.toLowerCase(Locale.ROOT);
      }
      case "title" -> {
        return pythonTitle(s);
      }
      case "capitalize" -> {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
      }
      case "replace" -> {
        arity(line, name, args, 2, 3);
        return replace(s, string(line, args.get(0), name), string(line, args.get(1), name),
            args.size() > 2 ? Py.toLong(args.get(2)) : -1);
      }
      case "find" -> {
        arity(line, name, args, 1, 1);
        return (long) s.indexOf(string(line, args.get(0), name));
      }
      case "rfind" -> {
        arity(line, name, args, 1, 1);
        return (long) s.lastIndexOf(string(line, args.get(0), name));
      }
      case "count" -> {
        arity(line, name, args, 1, 1);
        String sub = string(line, args.get(0), name);
        if (sub.isEmpty()) {
          return (long) s.length() + 1;
        }
        long n = 0;
        for (int k = s.indexOf(sub); k >= 0; k = s.indexOf(sub, k + sub.length())) {
          n++;
        }
        return n;
      }
      case "join" -> {
        arity(line, name, args, 1, 1);
        List<String> parts = new ArrayList<>();
        for (Object o : Py.iterate(line, args.get(0))) {
          parts.add(string(line, o, name));
        }
        return String.join(s, parts);
      }
      case "splitlines" -> {
        return Py.list(new ArrayList<>(s.lines().map(x -> (Object) x).toList()));
      }
      case "removeprefix" -> {
        arity(line, name, args, 1, 1);
        String p = string(line, args.get(0), name);
        return s.startsWith(p) ? s.substring(p.length()) : s;
      }
      case "removesuffix" -> {
        arity(line, name, args, 1, 1);
        String p = string(line, args.get(0), name);
        return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
      }
      case "isdigit", "isalpha", "isalnum", "isspace" -> {
        if (s.isEmpty()) {
          return false;
        }
        return s.codePoints().allMatch(c -> switch (name) {
          case "isdigit" -> Character.isDigit(c);
          case "isalpha" -> Character.isLetter(c);
          case "isalnum" -> Character.isLetterOrDigit(c);
          default -> isSpace(c);
        });
      }
      case "isupper" -> {
        return s.codePoints().anyMatch(Character::isUpperCase) && s.codePoints().noneMatch(Character::isLowerCase);
      }
      case "islower" -> {
        return s.codePoints().anyMatch(Character::isLowerCase) && s.codePoints().noneMatch(Character::isUpperCase);
      }
      default -> throw JinjaException.render(line, "'str object' has no attribute '" + name + "'");
    }
  }

  static boolean isSpace(int c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
  }

  static String strip(String s, String chars, boolean left, boolean right) {
    int start = 0;
    int end = s.length();
    while (left && start < end && (chars == null ? isSpace(s.charAt(start)) : chars.indexOf(s.charAt(start)) >= 0)) {
      start++;
    }
    while (right && end > start && (chars == null ? isSpace(s.charAt(end - 1)) : chars.indexOf(s.charAt(end - 1)) >= 0)) {
      end--;
    }
    return s.substring(start, end);
  }

  private static List<Object> split(int line, String s, String sep, long max, boolean fromRight) {
    List<Object> out = new ArrayList<>();
    if (sep == null) {
      String rest = fromRight ? strip(s, null, false, true) : strip(s, null, true, false);
      if (fromRight) {
        // rsplit without a separator: split from the right at most max times.
        List<String> words = new ArrayList<>();
        int end = rest.length();
        while (end > 0) {
          if (max >= 0 && words.size() == max) {
            words.add(0, strip(rest.substring(0, end), null, true, true));
            end = 0;
            break;
          }
          int k = end;
          while (k > 0 && !isSpace(rest.charAt(k - 1))) {
            k--;
          }
          words.add(0, rest.substring(k, end));
          end = k;
          while (end > 0 && isSpace(rest.charAt(end - 1))) {
            end--;
          }
        }
        out.addAll(words);
        return out;
      }
      int k = 0;
      while (k < rest.length()) {
        if (max >= 0 && out.size() == max) {
          out.add(strip(rest.substring(k), null, false, true));
          return out;
        }
        int e = k;
        while (e < rest.length() && !isSpace(rest.charAt(e))) {
          e++;
        }
        out.add(rest.substring(k, e));
        k = e;
        while (k < rest.length() && isSpace(rest.charAt(k))) {
          k++;
        }
      }
      return out;
    }
    if (sep.isEmpty()) {
      throw JinjaException.render(line, "empty separator");
    }
    if (fromRight) {
      List<Object> rev = new ArrayList<>();
      int end = s.length();
      while (max < 0 || rev.size() < max) {
        int k = s.lastIndexOf(sep, end - sep.length());
        if (k < 0 || end - sep.length() < 0) {
          break;
        }
        rev.add(0, s.substring(k + sep.length(), end));
        end = k;
      }
      rev.add(0, s.substring(0, end));
      return rev;
    }
    int start = 0;
    while (max < 0 || out.size() < max) {
      int k = s.indexOf(sep, start);
      if (k < 0) {
        break;
      }
      out.add(s.substring(start, k));
      start = k + sep.length();
    }
    out.add(s.substring(start));
    return out;
  }

  private static String replace(String s, String old, String replacement, long count) {
    if (count < 0) {
      if (old.isEmpty()) {
        StringBuilder b = new StringBuilder(replacement);
        s.codePoints().forEach(c -> b.appendCodePoint(c).append(replacement));
        return b.toString();
      }
      return s.replace(old, replacement);
    }
    StringBuilder b = new StringBuilder();
    int start = 0;
    for (long n = 0; n < count; n++) {
      int k = s.indexOf(old, start);
      if (k < 0 || old.isEmpty()) {
        break;
      }
      b.append(s, start, k).append(replacement);
      start = k + old.length();
    }
    return b.append(s.substring(start)).toString();
  }

  private static String pythonTitle(String s) {
    StringBuilder b = new StringBuilder();
    boolean previousCased = false;
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      b.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
      previousCased = Character.isLetter(c);
    }
    return b.toString();
  }

  // ---- filters ----

  static Object filter(int line, String name, Object value, List<Object> args, Map<String, Object> kw,
      Interpreter interpreter) {
    switch (name) {
      case "default", "d" -> {
        Object fallback = arg(args, kw, 0, "default_value", "");
        boolean asBoolean = Py.truthy(arg(args, kw, 1, "boolean", false));
        return value instanceof Undefined || (asBoolean && !Py.truthy(value)) ? fallback : value;
      }
      case "length", "count" -> {
        return Py.length(line, value);
      }
      case "string" -> {
        return PyFormat.str(value);
      }
      case "safe" -> {
        return value;
      }
      case "e", "escape" -> {
        return PyFormat.str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;")
            .replace("\"", "&#34;");
      }
      default -> { }
    }
    Py.undefinedCheck(line, value);
    switch (name) {
      case "trim" -> {
        Object chars = arg(args, kw, 0, "chars", null);
        return strip(string(line, value, name), chars == null ? null : string(line, chars, name), true, true);
      }
      case "upper" -> {
        return PyFormat.str(value).toUpperCase(Locale.ROOT);
      }
      case "lower" -> {
        return PyFormat.str(value).toLowerCase(Locale.ROOT);
      }
      case "capitalize" -> {
        String s = PyFormat.str(value);
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
      }
      case "title" -> {
        return jinjaTitle(PyFormat.str(value));
      }
      case "replace" -> {
        Object count = arg(args, kw, 2, "count", null);
        return replace(PyFormat.str(value), PyFormat.str(arg(args, kw, 0, "old", "")), PyFormat.str(arg(args, kw, 1, "new", "")),
            count == null ? -1 : Py.toLong(count));
      }
      case "wordcount" -> {
        return (long) split(line, PyFormat.str(value), null, -1, false).size();
      }
      case "indent" -> {
        return indent(PyFormat.str(value), arg(args, kw, 0, "width", 4L), Py.truthy(arg(args, kw, 1, "first", false)),
            Py.truthy(arg(args, kw, 2, "blank", false)));
      }
      case "tojson" -> {
        Object indent = arg(args, kw, 0, "indent", null);
        Object separators = kw.get("separators");
        return Json.dumps(line, value, indent == null ? -1 : (int) Py.toLong(indent),
            Py.truthy(kw.getOrDefault("sort_keys", false)), Py.truthy(kw.getOrDefault("ensure_ascii", false)),
            separators instanceof List<?> l ? l : null);
      }
      case "list" -> {
        return Py.list(Py.iterate(line, value));
      }
      case "first" -> {
        List<Object> items = Py.iterate(line, value);
        return items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.get(0);
      }
      case "last" -> {
        List<Object> items = Py.iterate(line, value);
        return items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.get(items.size() - 1);
      }
      case "reverse" -> {
        if (value instanceof String s) {
          return new StringBuilder(s).reverse().toString();
        }
        List<Object> items = Py.iterate(line, value);
        java.util.Collections.reverse(items);
        return Py.list(items);
      }
      case "join" -> {
        Object attribute = arg(args, kw, 1, "attribute", null);
        List<String> parts = new ArrayList<>();
        for (Object o : Py.iterate(line, value)) {
          parts.add(PyFormat.str(attribute == null ? o : PyAccess.getitem(line, o, attribute)));
        }
        return String.join(PyFormat.str(arg(args, kw, 0, "d", "")), parts);
      }
      case "items" -> {
        if (!(value instanceof Map<?, ?>)) {
          throw JinjaException.render(line, "can only get item pairs from a mapping, not " + Py.typeName(value));
        }
        return method(line, value, "items", List.of(), Map.of());
      }
      case "dictsort" -> {
        if (!(value instanceof Map<?, ?>)) {
          throw JinjaException.render(line, "dictsort needs a mapping, found " + Py.typeName(value));
        }
        List<Object> items = new ArrayList<>((List<?>) method(line, value, "items", List.of(), Map.of()));
        items.sort((a, b) -> PyOps.compare(line, "<", ((List<?>) a).get(0), ((List<?>) b).get(0)));
        return Py.list(items);
      }
      case "attr" -> {
        return PyAccess.getattr(line, value, PyFormat.str(arg(args, kw, 0, "name", "")));
      }
      case "int" -> {
        return toInt(value, arg(args, kw, 0, "default", 0L));
      }
      case "float" -> {
        return toFloat(value, arg(args, kw, 0, "default", 0.0));
      }
      case "abs" -> {
        return value instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Py.toLong(value));
      }
      case "round" -> {
        int precision = (int) Py.toLong(arg(args, kw, 0, "precision", 0L));
        String method = PyFormat.str(arg(args, kw, 1, "method", "common"));
        // Python's round(): the exact binary value, ties to even; ceil and floor by math.ceil/floor.
        java.math.RoundingMode mode = switch (method) {
          case "ceil" -> java.math.RoundingMode.CEILING;
          case "floor" -> java.math.RoundingMode.FLOOR;
          case "common" -> java.math.RoundingMode.HALF_EVEN;
          default -> throw JinjaException.render(line, "round method must be common, ceil or floor, found " + method);
        };
        return new java.math.BigDecimal(Py.toDouble(value)).setScale(precision, mode).doubleValue();
      }
      case "sum" -> {
        Object attribute = arg(args, kw, 0, "attribute", null);
        Object total = arg(args, kw, 1, "start", 0L);
        for (Object o : Py.iterate(line, value)) {
          total = PyOps.binary(line, "+", total, attribute == null ? o : PyAccess.getitem(line, o, attribute));
        }
        return total;
      }
      case "min", "max", "sort", "unique" -> {
        return ordered(line, name, value, args, kw);
      }
      case "map" -> {
        List<Object> out = new ArrayList<>();
        Object attribute = kw.get("attribute");
        for (Object o : Py.iterate(line, value)) {
          if (attribute != null) {
            Object v = PyAccess.getitem(line, o, attribute);
            out.add(v instanceof Undefined && kw.containsKey("default") ? kw.get("default") : v);
          } else {
            if (args.isEmpty()) {
              throw JinjaException.render(line, "map needs a filter name or attribute=");
            }
            String f = PyFormat.str(args.get(0));
            if (!FILTERS.contains(f)) {
              throw JinjaException.render(line, "unknown filter '" + f + "' in map");
            }
            out.add(filter(line, f, o, args.subList(1, args.size()), Map.of(), interpreter));
          }
        }
        return Py.list(out);
      }
      case "select", "reject", "selectattr", "rejectattr" -> {
        boolean byAttribute = name.endsWith("attr");
        boolean keep = name.startsWith("select");
        int testIndex = byAttribute ? 1 : 0;
        String attribute = byAttribute ? PyFormat.str(args.isEmpty() ? "" : args.get(0)) : null;
        String test = args.size() > testIndex ? PyFormat.str(args.get(testIndex)) : null;
        if (test != null && !TESTS.contains(test)) {
          throw JinjaException.render(line, "unknown test '" + test + "' in " + name);
        }
        List<Object> testArgs = args.size() > testIndex + 1 ? args.subList(testIndex + 1, args.size()) : List.of();
        List<Object> out = new ArrayList<>();
        for (Object o : Py.iterate(line, value)) {
          Object subject = byAttribute ? attributePath(line, o, attribute) : o;
          boolean passed = test == null ? Py.truthy(subject) : test(line, test, subject, testArgs);
          if (passed == keep) {
            out.add(o);
          }
        }
        return Py.list(out);
      }
      default -> throw JinjaException.render(line, "unknown filter '" + name + "'");
    }
  }

  private static Object attributePath(int line, Object o, String path) {
    Object v = o;
    for (String part : path.split("\\.")) {
      v = v instanceof Undefined ? v : PyAccess.getitem(line, v, part.matches("\\d+") ? (Object) Long.parseLong(part) : part);
    }
    return v;
  }

  private static Object ordered(int line, String name, Object value, List<Object> args, Map<String, Object> kw) {
    boolean reverse = Py.truthy(name.equals("sort") ? arg(args, kw, 0, "reverse", false) : false);
    boolean caseSensitive = Py.truthy(arg(args, kw, name.equals("sort") ? 1 : 0, "case_sensitive", false));
    Object attribute = arg(args, kw, name.equals("sort") ? 2 : 1, "attribute", null);
    Comparator<Object> order = (a, b) -> {
      Object x = attribute == null ? a : PyAccess.getitem(line, a, attribute);
      Object y = attribute == null ? b : PyAccess.getitem(line, b, attribute);
      if (!caseSensitive && x instanceof String s && y instanceof String t) {
        return s.toLowerCase(Locale.ROOT).compareTo(t.toLowerCase(Locale.ROOT));
      }
      return PyOps.compare(line, "<", x, y);
    };
    List<Object> items = Py.iterate(line, value);
    switch (name) {
      case "sort" -> {
        items.sort(reverse ? order.reversed() : order);
        return Py.list(items);
      }
      case "unique" -> {
        List<Object> out = new ArrayList<>();
        for (Object o : items) {
          if (out.stream().noneMatch(x -> order.compare(x, o) == 0)) {
            out.add(o);
          }
        }
        return Py.list(out);
      }
      default -> {
        if (items.isEmpty()) {
          return new Undefined("No aggregated item, sequence was empty.");
        }
        Object best = items.get(0);
        for (Object o : items) {
          int c = order.compare(o, best);
          if (name.equals("min") ? c < 0 : c > 0) {
            best = o;
          }
        }
        return best;
      }
    }
  }

  private static String jinjaTitle(String s) {
    StringBuilder b = new StringBuilder();
    boolean start = true;
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      boolean separator = isSpace(c) || "-({[<".indexOf(c) >= 0;
      b.append(separator ? c : start ? Character.toUpperCase(c) : Character.toLowerCase(c));
      start = separator;
    }
    return b.toString();
  }

  /** Jinja's indent filter: every line but the first (and the first too with first=True). */
  private static String indent(String s, Object width, boolean first, boolean blank) {
    String pad = width instanceof String w ? w : " ".repeat((int) Py.toLong(width));
    String[] lines = s.split("\n", -1);
    StringBuilder b = new StringBuilder(first ? pad : "").append(lines[0]);
    for (int k = 1; k < lines.length; k++) {
      b.append('\n').append(blank || !lines[k].isEmpty() ? pad : "").append(lines[k]);
    }
    return b.toString();
  }

  private static Object toInt(Object v, Object fallback) {
    if (v instanceof Long || v instanceof Boolean) {
      return Py.toLong(v);
    }
    if (v instanceof Double d) {
      return (long) d.doubleValue();
    }
    if (v instanceof String s) {
      try {
        return Long.parseLong(strip(s, null, true, true).replace("_", ""));
      } catch (NumberFormatException e) {
        try {
          return (long) Double.parseDouble(strip(s, null, true, true));
        } catch (NumberFormatException e2) {
          return fallback;
        }
      }
    }
    return fallback;
  }

  private static Object toFloat(Object v, Object fallback) {
    if (Py.isNumber(v)) {
      return Py.toDouble(v);
    }
    if (v instanceof String s) {
      try {
        return Double.parseDouble(strip(s, null, true, true));
      } catch (NumberFormatException e) {
        return fallback;
      }
    }
    return fallback;
  }

  // ---- tests ----

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

  // ---- globals ----

  static Object range(int line, List<Object> args) {
    if (args.isEmpty() || args.size() > 3) {
      throw JinjaException.render(line, "range expected 1 to 3 arguments, found " + args.size());
    }
    long start = args.size() == 1 ? 0 : Py.toLong(args.get(0));
    long stop = Py.toLong(args.get(args.size() == 1 ? 0 : 1));
    long step = args.size() == 3 ? Py.toLong(args.get(2)) : 1;
    if (step == 0) {
      throw JinjaException.render(line, "range() arg 3 must not be zero");
    }
    List<Object> out = new ArrayList<>();
    for (long k = start; step > 0 ? k < stop : k > stop; k += step) {
      if (out.size() >= 100_000) {
        throw JinjaException.render(line, "range too big, the sandbox allows 100000 items");
      }
      out.add(k);
    }
    return Py.list(out);
  }

  static Object dict(int line, List<Object> args, Map<String, Object> kw) {
    Map<Object, Object> out = new LinkedHashMap<>();
    if (!args.isEmpty()) {
      if (args.size() > 1 || !(args.get(0) instanceof Map<?, ?> m)) {
        throw JinjaException.render(line, "dict() takes a mapping and keyword arguments");
      }
      out.putAll(m);
    }
    out.putAll(kw);
    return java.util.Collections.unmodifiableMap(out);
  }

  /** Python's {@code datetime.strftime} for the directives chat templates use. */
  static String strftime(int line, ZonedDateTime t, String format) {
    StringBuilder b = new StringBuilder();
    for (int k = 0; k < format.length(); k++) {
      char c = format.charAt(k);
      if (c != '%' || k + 1 >= format.length()) {
        b.append(c);
        continue;
      }
      char d = format.charAt(++k);
      boolean noPad = false;
      if (d == '-' && k + 1 < format.length()) {
        noPad = true;
        d = format.charAt(++k);
      }
      String v = switch (d) {
        case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US);
        case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US);
        case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US);
        case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.US);
        case 'd' -> pad(t.getDayOfMonth(), 2, noPad);
        case 'e' -> String.format("%2d", t.getDayOfMonth());
        case 'm' -> pad(t.getMonthValue(), 2, noPad);
        case 'y' -> pad(t.getYear() % 100, 2, noPad);
        case 'Y' -> String.valueOf(t.getYear());
        case 'H' -> pad(t.getHour(), 2, noPad);
        case 'I' -> pad(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, noPad);
        case 'M' -> pad(t.getMinute(), 2, noPad);
        case 'S' -> pad(t.getSecond(), 2, noPad);
        case 'f' -> pad(t.getNano() / 1000, 6, false);
        case 'p' -> t.getHour() < 12 ? "AM" : "PM";
        case 'j' -> pad(t.getDayOfYear(), 3, noPad);
        case 'w' -> String.valueOf(t.getDayOfWeek().getValue() % 7);
        case 'u' -> String.valueOf(t.getDayOfWeek().getValue());
        case 'F' -> strftime(line, t, "%Y-%m-%d");
        case 'T' -> strftime(line, t, "%H:%M:%S");
        case 'D' -> strftime(line, t, "%m/%d/%y");
        case '%' -> "%";
        default -> throw JinjaException.render(line, "strftime directive '%" + d + "' is not supported");
      };
      b.append(v);
    }
    return b.toString();
  }

  private static String pad(int value, int width, boolean noPad) {
    return noPad ? String.valueOf(value) : String.format("%0" + width + "d", value);
  }

  // ---- argument helpers ----

  private static Object arg(List<Object> args, Map<String, Object> kw, int index, String name, Object fallback) {
    if (index < args.size()) {
      return args.get(index);
    }
    return kw.containsKey(name) ? kw.get(name) : fallback;
  }

  private static void arity(int line, String name, List<Object> args, int min, int max) {
    if (args.size() < min || args.size() > max) {
      throw JinjaException.render(line, name + "() takes " + (min == max ? String.valueOf(min) : min + " to " + max)
          + " arguments, found " + args.size());
    }
  }

  private static String string(int line, Object v, String where) {
    if (!(v instanceof String s)) {
      throw JinjaException.render(line, where + " expects a string, found " + Py.typeName(v));
    }
    return s;
  }
}
