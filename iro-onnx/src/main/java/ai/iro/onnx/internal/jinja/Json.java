package ai.iro.onnx.internal.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Python's {@code json.dumps}, as transformers' {@code tojson} filter calls it. */
final class Json {
  private Json() {
  }

  /**
   * @param indent spaces per level, or negative for none
   * @param separators (item, key) separators, or null for Python's defaults
   */
  static String dumps(int line, Object v, int indent, boolean sortKeys, boolean ensureAscii, List<?> separators) {
    String item = indent >= 0 ? "," : ", ";
    String key = ": ";
    if (separators != null) {
      if (separators.size() != 2) {
        throw JinjaException.render(line, "tojson separators must be a pair, found " + separators.size() + " items");
      }
      item = PyFormat.str(separators.get(0));
      key = PyFormat.str(separators.get(1));
    }
    StringBuilder b = new StringBuilder();
    write(line, b, v, indent, 0, sortKeys, ensureAscii, item, key);
    return b.toString();
  }

  private static void write(int line, StringBuilder b, Object v, int indent, int depth, boolean sortKeys,
      boolean ascii, String item, String key) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof Boolean x) {
      b.append(x ? "true" : "false");
    } else if (v instanceof Long x) {
      b.append(x);
    } else if (v instanceof Double d) {
      b.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : PyFormat.floatRepr(d));
    } else if (v instanceof String s) {
      string(b, s, ascii);
    } else if (v instanceof List<?> l) {
      if (l.isEmpty()) {
        b.append("[]");
        return;
      }
      b.append('[');
      for (int i = 0; i < l.size(); i++) {
        b.append(i == 0 ? "" : item);
        newline(b, indent, depth + 1);
        write(line, b, l.get(i), indent, depth + 1, sortKeys, ascii, item, key);
      }
      newline(b, indent, depth);
      b.append(']');
    } else if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        b.append("{}");
        return;
      }
      List<Map.Entry<String, Object>> entries = new ArrayList<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        entries.add(Map.entry(keyString(line, e.getKey()), e.getValue() == null ? NULL : e.getValue()));
      }
      if (sortKeys) {
        entries.sort(Map.Entry.comparingByKey());
      }
      b.append('{');
      for (int i = 0; i < entries.size(); i++) {
        b.append(i == 0 ? "" : item);
        newline(b, indent, depth + 1);
        string(b, entries.get(i).getKey(), ascii);
        b.append(key);
        Object value = entries.get(i).getValue();
        write(line, b, value == NULL ? null : value, indent, depth + 1, sortKeys, ascii, item, key);
      }
      newline(b, indent, depth);
      b.append('}');
    } else {
      throw JinjaException.render(line, "Object of type " + Py.typeName(v) + " is not JSON serializable");
    }
  }

  private static final Object NULL = new Object();

  private static String keyString(int line, Object k) {
    if (k instanceof String s) {
      return s;
    }
    if (k == null) {
      return "null";
    }
    if (k instanceof Boolean x) {
      return x ? "true" : "false";
    }
    if (k instanceof Long || k instanceof Double) {
      return PyFormat.repr(k);
    }
    throw JinjaException.render(line, "keys must be str, int, float, bool or None, not " + Py.typeName(k));
  }

  private static void newline(StringBuilder b, int indent, int depth) {
    if (indent >= 0) {
      b.append('\n').append(" ".repeat(indent * depth));
    }
  }

  private static void string(StringBuilder b, String s, boolean ascii) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> {
          if (c < 0x20 || (ascii && c > 0x7e)) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
