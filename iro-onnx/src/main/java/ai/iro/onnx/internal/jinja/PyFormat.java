package ai.iro.onnx.internal.jinja;

import static ai.iro.onnx.internal.jinja.Py.typeName;

import ai.iro.onnx.internal.jinja.Py.Namespace;
import ai.iro.onnx.internal.jinja.Py.Tuple;
import ai.iro.onnx.internal.jinja.Py.Undefined;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Python's printing of template values: {@code str(v)}, {@code repr(v)} and the float and string
 * reprs they use, as Jinja2 prints values into the output.
 */
final class PyFormat {
  private PyFormat() {
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
}
