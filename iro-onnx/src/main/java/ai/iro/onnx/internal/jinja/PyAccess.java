package ai.iro.onnx.internal.jinja;

import static ai.iro.onnx.internal.jinja.Py.isInt;
import static ai.iro.onnx.internal.jinja.Py.isNumber;
import static ai.iro.onnx.internal.jinja.Py.list;
import static ai.iro.onnx.internal.jinja.Py.objectName;
import static ai.iro.onnx.internal.jinja.Py.toLong;
import static ai.iro.onnx.internal.jinja.Py.typeName;
import static ai.iro.onnx.internal.jinja.Py.undefinedCheck;
import static ai.iro.onnx.internal.jinja.PyFormat.repr;

import ai.iro.onnx.internal.jinja.Py.BoundMethod;
import ai.iro.onnx.internal.jinja.Py.Loop;
import ai.iro.onnx.internal.jinja.Py.Namespace;
import ai.iro.onnx.internal.jinja.Py.Tuple;
import ai.iro.onnx.internal.jinja.Py.Undefined;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Access to template values as Jinja2 does it: attributes ({@code obj.name}), items
 * ({@code obj[key]}) and slices ({@code obj[a:b:c]}), within the sandbox's rules.
 */
final class PyAccess {
  private PyAccess() {
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
    if (Methods.hasMethod(obj, name)) {
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
}
