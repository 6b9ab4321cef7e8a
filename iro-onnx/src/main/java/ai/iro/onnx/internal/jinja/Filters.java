package ai.iro.onnx.internal.jinja;

import static ai.iro.onnx.internal.jinja.Args.arg;
import static ai.iro.onnx.internal.jinja.Args.string;
import static ai.iro.onnx.internal.jinja.JinjaTests.test;
import static ai.iro.onnx.internal.jinja.Methods.method;
import static ai.iro.onnx.internal.jinja.PyStrings.isSpace;
import static ai.iro.onnx.internal.jinja.PyStrings.replace;
import static ai.iro.onnx.internal.jinja.PyStrings.split;
import static ai.iro.onnx.internal.jinja.PyStrings.strip;

import ai.iro.onnx.internal.jinja.Py.Undefined;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The filters of the supported Jinja subset, with Jinja2's behaviour, and the {@code tojson} filter
 * as transformers overrides it ({@code json.dumps} with {@code ensure_ascii=False}).
 */
final class Filters {
  static final Set<String> NAMES = Set.of("abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e",
      "escape", "first", "float", "indent", "int", "items", "join", "last", "length", "list", "lower", "map", "max",
      "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string",
      "sum", "title", "tojson", "trim", "unique", "upper", "wordcount");

  private Filters() {
  }

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
            if (!NAMES.contains(f)) {
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
        if (test != null && !JinjaTests.NAMES.contains(test)) {
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
}
