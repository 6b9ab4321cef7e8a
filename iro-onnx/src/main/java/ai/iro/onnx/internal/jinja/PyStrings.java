package ai.iro.onnx.internal.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * Python's string operations that both the string methods and the filters use: whitespace as
 * {@code str.isspace} sees it, {@code strip}, {@code split}/{@code rsplit}, {@code replace} and {@code title}.
 */
final class PyStrings {
  private PyStrings() {
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

  static List<Object> split(int line, String s, String sep, long max, boolean fromRight) {
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

  static String replace(String s, String old, String replacement, long count) {
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

  static String pythonTitle(String s) {
    StringBuilder b = new StringBuilder();
    boolean previousCased = false;
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      b.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
      previousCased = Character.isLetter(c);
    }
    return b.toString();
  }
}
