package ai.iro.examples.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events on a blocking exchange, as OpenAI streams: each event is a line
 * {@code data: JSON} and a blank line, flushed at once; the stream ends with {@code data: [DONE]}.
 * The 200 status and headers are sent with the first event, so an error found before it is still
 * answered with its own status.
 */
final class EventStream {
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

  private final HttpServerExchange exchange;
  private OutputStream out;

  EventStream(HttpServerExchange exchange) {
    this.exchange = exchange;
  }

  /** Sends one event carrying {@code data}. */
  void send(JsonNode data) throws IOException {
    write(("data: " + HttpJson.JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
  }

  /** Sends {@code data: [DONE]} and ends the response. */
  void done() throws IOException {
    write(DONE);
    exchange.endExchange();
  }

  private void write(byte[] bytes) throws IOException {
    if (out == null) {
      exchange.setStatusCode(200);
      exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream; charset=utf-8");
      exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
      out = exchange.getOutputStream();
    }
    out.write(bytes);
    out.flush();
  }
}
