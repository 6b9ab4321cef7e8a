package ai.iro.onnx.internal.jinja;

import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A parsed Jinja template of the subset chat templates use, rendered as Jinja2 renders it in the
 * environment transformers builds: sandboxed and immutable, {@code trim_blocks} and
 * {@code lstrip_blocks} on, loop controls, {@code {% generation %}} blocks, and the globals
 * {@code raise_exception}, {@code strftime_now}, {@code namespace}, {@code range} and {@code dict}.
 * Immutable and thread safe.
 */
public final class Template {
  private final List<Node> body;

  private Template(List<Node> body) {
    this.body = body;
  }

  /**
   * Parses a template.
   *
   * @throws JinjaException of kind {@code SYNTAX} naming the line and construct, for malformed
   *     templates and for syntax outside the supported subset
   */
  public static Template parse(String source) {
    return new Template(List.copyOf(Parser.parse(Objects.requireNonNull(source, "source"))));
  }

  /**
   * Renders the template.
   *
   * @param variables the template's variables: strings, numbers, booleans, null, lists and maps
   * @param now the clock {@code strftime_now} reads
   * @throws JinjaException if rendering fails or the template calls {@code raise_exception}
   */
  public String render(Map<String, ?> variables, Supplier<ZonedDateTime> now) {
    Map<String, Object> globals = new HashMap<>();
    globals.put("raise_exception", (Py.Callable) (line, args, kwargs) -> {
      throw new JinjaException(JinjaException.Kind.RAISED, line, args.isEmpty() ? "" : PyFormat.str(args.get(0)));
    });
    globals.put("strftime_now", (Py.Callable) (line, args, kwargs) -> {
      if (args.size() != 1 || !(args.get(0) instanceof String format)) {
        throw JinjaException.render(line, "strftime_now takes one format string");
      }
      return Globals.strftime(line, now.get(), format);
    });
    globals.put("namespace", (Py.Callable) (line, args, kwargs) -> {
      Py.Namespace ns = new Py.Namespace();
      if (!args.isEmpty()) {
        if (args.size() > 1 || !(args.get(0) instanceof Map<?, ?> m)) {
          throw JinjaException.render(line, "namespace() takes one mapping and keyword arguments");
        }
        m.forEach((k, v) -> ns.attributes.put(PyFormat.str(k), v));
      }
      ns.attributes.putAll(kwargs);
      return ns;
    });
    globals.put("range", (Py.Callable) (line, args, kwargs) -> Globals.range(line, args));
    globals.put("dict", (Py.Callable) Globals::dict);
    variables.forEach((k, v) -> globals.put(k, Py.of(v)));
    return new Interpreter(globals).render(body);
  }
}
