package ai.iro.examples.serve;

import java.util.List;

/**
 * The pieces of text a streamed response sends for each of its rows, such that the pieces of a row
 * add up to its final text (the one a request without streaming gets). While a row grows, only text
 * that cannot change is sent: not a trailing replacement character (a character whose UTF-8 bytes
 * are not all decoded yet), not the last characters that might begin a stop string, nothing from a
 * stop string on. Not thread safe: one thread at a time, with a happens-before edge between them.
 */
final class TextDeltas {
  private final List<String> stops;
  private final int holdBack;
  private final String[] sent;

  TextDeltas(int rows, List<String> stops) {
    this.stops = List.copyOf(stops);
    this.holdBack = stops.stream().mapToInt(String::length).max().orElse(1) - 1;
    this.sent = new String[rows];
    java.util.Arrays.fill(sent, "");
  }

  /** The new piece of row {@code row} whose text so far is {@code text}; empty when none is safe yet. */
  String grow(int row, String text) {
    int end = text.length();
    boolean stopped = false;
    for (String s : stops) {
      int at = text.indexOf(s);
      if (at >= 0 && at <= end) {
        end = at;
        stopped = true;
      }
    }
    if (!stopped) {
      end = Math.max(0, end - holdBack);
    }
    while (end > 0 && text.charAt(end - 1) == '\uFFFD') {
      end--;
    }
    if (end > 0 && Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return advance(row, text.substring(0, end));
  }

  /** The rest of row {@code row} once its final text is known; empty when all was sent. */
  String finish(int row, String finalText) {
    return advance(row, finalText);
  }

  private String advance(int row, String stable) {
    if (stable.length() <= sent[row].length() || !stable.startsWith(sent[row])) {
      return "";
    }
    String piece = stable.substring(sent[row].length());
    sent[row] = stable;
    return piece;
  }
}
