package ai.iro.onnx.internal.jinja;

import static ai.iro.onnx.internal.jinja.Args.arity;
import static ai.iro.onnx.internal.jinja.Args.string;
import static ai.iro.onnx.internal.jinja.PyStrings.isSpace;
import static ai.iro.onnx.internal.jinja.PyStrings.pythonTitle;
import static ai.iro.onnx.internal.jinja.PyStrings.replace;
import static ai.iro.onnx.internal.jinja.PyStrings.split;
import static ai.iro.onnx.internal.jinja.PyStrings.strip;

import ai.iro.onnx.internal.jinja.Py.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The methods a template may call on strings, dicts and lists ({@code s.strip()}, {@code d.items()},
 * {@code l.index(x)}), with Python's behaviour. Methods that would change a value ({@code list.append},
 * {@code dict.update}) are refused as Jinja's immutable sandbox refuses them.
 */
final class Methods {
  private static final Set<String> STRING_METHODS = Set.of("strip", "lstrip", "rstrip", "split", "rsplit",
      "startswith", "endswith", "upper", "lower", "title", "capitalize", "replace", "find", "rfind", "count", "join",
      "splitlines", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "removeprefix", "removesuffix");
  private static final Set<String> DICT_METHODS = Set.of("items", "keys", "values", "get");
  private static final Set<String> LIST_METHODS = Set.of("index", "count");
  private static final Set<String> UNSAFE_METHODS = Set.of("append", "extend", "insert", "pop", "remove", "reverse",
      "sort", "clear", "update", "setdefault", "popitem", "add", "discard", "difference_update",
      "intersection_update", "symmetric_difference_update");

  private Methods() {
  }

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

  static Object stringMethod(int line, String s, String name, List<Object> args) {
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
}
