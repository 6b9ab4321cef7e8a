package ai.iro.onnx.internal.jinja;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The global functions templates call: {@code range}, {@code dict} and Python's
 * {@code datetime.strftime} behind {@code strftime_now}.
 */
final class Globals {
  private Globals() {
  }

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
}
