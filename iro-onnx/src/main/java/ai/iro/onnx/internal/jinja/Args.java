package ai.iro.onnx.internal.jinja;

import java.util.List;
import java.util.Map;

/**
 * Argument checks shared by the filters and methods: positional-or-keyword lookup, arity and
 * string arguments, failing with Python's messages.
 */
final class Args {
  private Args() {
  }

  static Object arg(List<Object> args, Map<String, Object> kw, int index, String name, Object fallback) {
    if (index < args.size()) {
      return args.get(index);
    }
    return kw.containsKey(name) ? kw.get(name) : fallback;
  }

  static void arity(int line, String name, List<Object> args, int min, int max) {
    if (args.size() < min || args.size() > max) {
      throw JinjaException.render(line, name + "() takes " + (min == max ? String.valueOf(min) : min + " to " + max)
          + " arguments, found " + args.size());
    }
  }

  static String string(int line, Object v, String where) {
    if (!(v instanceof String s)) {
      throw JinjaException.render(line, where + " expects a string, found " + Py.typeName(v));
    }
    return s;
  }
}
