package ai.iro.onnx.internal.jinja;

import ai.iro.onnx.internal.jinja.Token.Type;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into tokens as Jinja2's lexer does with {@code trim_blocks=True} and
 * {@code lstrip_blocks=True}: newlines normalized to {@code \n}, one trailing newline dropped,
 * {@code -} markers stripping whitespace beside a tag, {@code +} markers turning the block options
 * off for one tag, comments dropped, and {@code raw} blocks kept as text.
 */
final class Lexer {
  private static final List<String> OPERATORS2 = List.of("**", "//", "==", "!=", "<=", ">=");
  private static final String OPERATORS1 = "+-*/%~<>=()[]{},.:|";

  private final String src;
  private final List<Token> out = new ArrayList<>();
  private int pos;
  private int line = 1;
  /** Whether the {@code endraw} tag just read ended with {@code -}. */
  private boolean rawStripNext;

  private Lexer(String source) {
    String s = source.replace("\r\n", "\n").replace('\r', '\n');
    if (s.endsWith("\n")) {
      s = s.substring(0, s.length() - 1);
    }
    this.src = s;
  }

  static List<Token> tokenize(String source) {
    Lexer l = new Lexer(source);
    l.run();
    return l.out;
  }

  private void run() {
    boolean stripNext = false;
    boolean trimNewline = false;
    while (true) {
      int tag = nextTag(pos);
      int textStart = pos;
      int textEnd = tag < 0 ? src.length() : tag;
      if (trimNewline && textStart < textEnd && src.charAt(textStart) == '\n') {
        textStart++;
      }
      if (tag >= 0) {
        char kind = src.charAt(tag + 1);
        char marker = tag + 2 < src.length() ? src.charAt(tag + 2) : ' ';
        if (marker == '-') {
          textEnd = rstrip(textStart, textEnd);
        } else if (kind != '{' && marker != '+') {
          int lineStart = src.lastIndexOf('\n', textEnd - 1) + 1;
          boolean atLineStart = lineStart > pos || pos == 0 || src.charAt(pos - 1) == '\n';
          if (lineStart < pos) {
            lineStart = pos;
          }
          if (atLineStart && onlyBlanks(lineStart, textEnd)) {
            textEnd = Math.max(textStart, lineStart);
          }
        }
      }
      if (stripNext) {
        textStart = lstrip(textStart, textEnd);
      }
      emitText(textStart, textEnd);
      countLines(pos, tag < 0 ? src.length() : tag);
      if (tag < 0) {
        break;
      }
      pos = tag + 2;
      if (pos < src.length() && (src.charAt(pos) == '-' || src.charAt(pos) == '+')) {
        pos++;
      }
      char kind = src.charAt(tag + 1);
      if (kind == '#') {
        int end = src.indexOf("#}", pos);
        if (end < 0) {
          throw JinjaException.syntax(line, "comment '{#' is never closed with '#}'");
        }
        stripNext = end > pos && src.charAt(end - 1) == '-';
        trimNewline = !(end > pos && src.charAt(end - 1) == '+');
        countLines(pos, end);
        pos = end + 2;
      } else if (kind == '{') {
        out.add(new Token(Type.VAR_BEGIN, "{{", null, line));
        int[] endMarker = expression("}}");
        stripNext = endMarker[0] == '-';
        trimNewline = false;
        out.add(new Token(Type.VAR_END, "}}", null, line));
      } else {
        int begin = out.size();
        out.add(new Token(Type.BLOCK_BEGIN, "{%", null, line));
        int[] endMarker = expression("%}");
        stripNext = endMarker[0] == '-';
        trimNewline = endMarker[0] != '+';
        out.add(new Token(Type.BLOCK_END, "%}", null, line));
        if (out.size() - begin == 3 && out.get(begin + 1).isName("raw")) {
          out.subList(begin, out.size()).clear();
          raw(stripNext);
          stripNext = rawStripNext;
          trimNewline = true;
        }
      }
    }
    out.add(new Token(Type.EOF, "", null, line));
  }

  /** The body of {@code {% raw %}} up to {@code {% endraw %}}, as text. */
  private void raw(boolean stripStart) {
    int search = pos;
    while (true) {
      int tag = src.indexOf("{%", search);
      if (tag < 0) {
        throw JinjaException.syntax(line, "'{% raw %}' is never closed with '{% endraw %}'");
      }
      int p = tag + 2;
      boolean minusBefore = p < src.length() && src.charAt(p) == '-';
      if (minusBefore || (p < src.length() && src.charAt(p) == '+')) {
        p++;
      }
      while (p < src.length() && Character.isWhitespace(src.charAt(p))) {
        p++;
      }
      if (src.startsWith("endraw", p)) {
        int q = p + "endraw".length();
        while (q < src.length() && Character.isWhitespace(src.charAt(q))) {
          q++;
        }
        boolean minusAfter = q < src.length() && src.charAt(q) == '-';
        if (minusAfter || (q < src.length() && src.charAt(q) == '+')) {
          q++;
        }
        if (src.startsWith("%}", q)) {
          int start = pos;
          if (start < tag && src.charAt(start) == '\n') {
            start++;
          }
          if (stripStart) {
            start = lstrip(start, tag);
          }
          int end = minusBefore ? rstrip(start, tag) : tag;
          emitText(start, end);
          countLines(pos, q + 2);
          pos = q + 2;
          rawStripNext = minusAfter;
          return;
        }
      }
      search = tag + 2;
    }
  }

  /** Lexes expression tokens up to {@code end} at bracket depth 0; returns the marker before it. */
  private int[] expression(String end) {
    int depth = 0;
    while (true) {
      if (pos >= src.length()) {
        throw JinjaException.syntax(line, "tag is never closed with '" + end + "'");
      }
      char c = src.charAt(pos);
      if (c == '\n') {
        line++;
        pos++;
        continue;
      }
      if (Character.isWhitespace(c)) {
        pos++;
        continue;
      }
      if (depth == 0) {
        if (src.startsWith(end, pos)) {
          pos += 2;
          return new int[] {' '};
        }
        if ((c == '-' || c == '+') && src.startsWith(end, pos + 1)) {
          pos += 3;
          return new int[] {c};
        }
      }
      if (c == '\'' || c == '"') {
        string(c);
      } else if (Character.isDigit(c)) {
        number();
      } else if (Character.isLetter(c) || c == '_') {
        int s = pos;
        while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
          pos++;
        }
        out.add(new Token(Type.NAME, src.substring(s, pos), null, line));
      } else {
        String op = null;
        for (String o : OPERATORS2) {
          if (src.startsWith(o, pos)) {
            op = o;
            break;
          }
        }
        if (op == null && OPERATORS1.indexOf(c) >= 0) {
          op = String.valueOf(c);
        }
        if (op == null) {
          throw JinjaException.syntax(line, "unexpected character '" + c + "' in a tag");
        }
        if (op.equals("(") || op.equals("[") || op.equals("{")) {
          depth++;
        } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
          depth--;
        }
        out.add(new Token(Type.OP, op, null, line));
        pos += op.length();
      }
    }
  }

  private void number() {
    int s = pos;
    while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
      pos++;
    }
    boolean isFloat = false;
    if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
      isFloat = true;
      pos++;
      while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
        pos++;
      }
    }
    if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
      int p = pos + 1;
      if (p < src.length() && (src.charAt(p) == '+' || src.charAt(p) == '-')) {
        p++;
      }
      if (p < src.length() && Character.isDigit(src.charAt(p))) {
        isFloat = true;
        pos = p;
        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
          pos++;
        }
      }
    }
    String text = src.substring(s, pos).replace("_", "");
    Object value = isFloat ? (Object) Double.parseDouble(text) : (Object) Long.parseLong(text);
    out.add(new Token(isFloat ? Type.FLOAT : Type.INT, text, value, line));
  }

  private void string(char quote) {
    int startLine = line;
    int s = pos;
    pos++;
    StringBuilder raw = new StringBuilder();
    while (true) {
      if (pos >= src.length()) {
        throw JinjaException.syntax(startLine, "string is never closed");
      }
      char c = src.charAt(pos);
      if (c == '\\' && pos + 1 < src.length()) {
        raw.append(c).append(src.charAt(pos + 1));
        if (src.charAt(pos + 1) == '\n') {
          line++;
        }
        pos += 2;
        continue;
      }
      if (c == quote) {
        pos++;
        break;
      }
      if (c == '\n') {
        line++;
      }
      raw.append(c);
      pos++;
    }
    out.add(new Token(Type.STRING, src.substring(s, pos), unescape(raw.toString(), startLine), startLine));
  }

  /** Python's unicode-escape decoding, which Jinja applies to string literals. */
  static String unescape(String s, int line) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 >= s.length()) {
        b.append(c);
        continue;
      }
      char n = s.charAt(++i);
      switch (n) {
        case '\n' -> { }
        case '\\' -> b.append('\\');
        case '\'' -> b.append('\'');
        case '"' -> b.append('"');
        case 'a' -> b.append('\u0007');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'v' -> b.append('\u000b');
        case 'x', 'u', 'U' -> {
          int len = n == 'x' ? 2 : n == 'u' ? 4 : 8;
          if (i + len > s.length() - 1) {
            throw JinjaException.syntax(line, "truncated \\" + n + " escape in a string");
          }
          String hex = s.substring(i + 1, i + 1 + len);
          try {
            b.appendCodePoint(Integer.parseInt(hex, 16));
          } catch (IllegalArgumentException e) {
            throw JinjaException.syntax(line, "bad \\" + n + " escape '\\" + n + hex + "' in a string");
          }
          i += len;
        }
        case '0', '1', '2', '3', '4', '5', '6', '7' -> {
          int end = i;
          while (end < s.length() && end < i + 3 && s.charAt(end) >= '0' && s.charAt(end) <= '7') {
            end++;
          }
          b.append((char) Integer.parseInt(s.substring(i, end), 8));
          i = end - 1;
        }
        case 'N' -> throw JinjaException.syntax(line, "\\N{...} escapes are not supported");
        default -> b.append('\\').append(n);
      }
    }
    return b.toString();
  }

  private int nextTag(int from) {
    int i = from;
    while (true) {
      i = src.indexOf('{', i);
      if (i < 0 || i + 1 >= src.length()) {
        return -1;
      }
      char n = src.charAt(i + 1);
      if (n == '{' || n == '%' || n == '#') {
        return i;
      }
      i++;
    }
  }

  private void emitText(int start, int end) {
    if (end > start) {
      out.add(new Token(Type.TEXT, src.substring(start, end), null, line));
    }
  }

  private void countLines(int from, int to) {
    for (int i = from; i < to; i++) {
      if (src.charAt(i) == '\n') {
        line++;
      }
    }
  }

  private boolean onlyBlanks(int from, int to) {
    for (int i = from; i < to; i++) {
      char c = src.charAt(i);
      if (c != ' ' && c != '\t') {
        return false;
      }
    }
    return true;
  }

  private int rstrip(int start, int end) {
    while (end > start && Character.isWhitespace(src.charAt(end - 1))) {
      end--;
    }
    return end;
  }

  private int lstrip(int start, int end) {
    while (start < end && Character.isWhitespace(src.charAt(start))) {
      start++;
    }
    return start;
  }
}
