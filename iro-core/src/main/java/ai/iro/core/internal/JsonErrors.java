package ai.iro.core.internal;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * One-line descriptions of Jackson's parse errors. Jackson's own message has a second line that
 * quotes the source ({@code at [Source: ...]}); messages for users name the file themselves and
 * keep the line and column. Not an API.
 */
public final class JsonErrors {
  private JsonErrors() {}

  /** {@code "line L, column C: WHAT"}, or just WHAT when Jackson knows no location. */
  public static String describe(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    String what = firstLine(e.getOriginalMessage());
    if (at == null || at.getLineNr() < 1) {
      return what;
    }
    return "line " + at.getLineNr() + (at.getColumnNr() > 0 ? ", column " + at.getColumnNr() : "") + ": " + what;
  }

  /** The column Jackson reports, or -1 when it knows none. */
  public static int column(JsonProcessingException e) {
    JsonLocation at = e.getLocation();
    return at == null || at.getColumnNr() < 1 ? -1 : at.getColumnNr();
  }

  /** The first line of Jackson's message without its location, never null. */
  public static String firstLine(String message) {
    if (message == null || message.isBlank()) {
      return "syntax error";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
