package ai.iro.examples.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON over an exchange: reads a request body as a JSON object within a size limit, and sends JSON
 * responses and OpenAI error objects {@code {"error": {"message", "type", "param", "code"}}}.
 */
final class HttpJson {
  /** The mapper every request and response goes through. */
  static final ObjectMapper JSON = new ObjectMapper();

  private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);

  private HttpJson() {}

  static JsonNode readBody(HttpServerExchange exchange, int maxBodyBytes) throws IOException {
    if (exchange.getRequestContentLength() > maxBodyBytes) {
      throw tooLarge(exchange.getRequestContentLength(), maxBodyBytes);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    InputStream in = exchange.getInputStream();
    byte[] buffer = new byte[8192];
    for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
      bytes.write(buffer, 0, read);
      if (bytes.size() > maxBodyBytes) {
        throw tooLarge(bytes.size(), maxBodyBytes);
      }
    }
    JsonNode body;
    try {
      body = JSON.readTree(bytes.toByteArray());
    } catch (JsonProcessingException e) {
      throw ApiError.invalid("the body is not valid JSON: " + e.getOriginalMessage());
    }
    if (body == null || !body.isObject()) {
      throw ApiError.invalid("the body must be a JSON object");
    }
    return body;
  }

  private static ApiError tooLarge(long size, int maxBodyBytes) {
    return new ApiError(413, "invalid_request_error", "request_too_large",
        "the body has " + size + " bytes or more, over the limit of " + maxBodyBytes);
  }

  static void send(HttpServerExchange exchange, int status, JsonNode body) throws IOException {
    exchange.setStatusCode(status);
    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
    exchange.getOutputStream().write(JSON.writeValueAsBytes(body));
    exchange.endExchange();
  }

  static void sendError(HttpServerExchange exchange, ApiError e) {
    if (exchange.isResponseStarted()) {
      exchange.endExchange();
      return;
    }
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error").put("message", e.getMessage()).put("type", e.type()).putNull("param").put("code", e.code());
    try {
      send(exchange, e.status(), body);
    } catch (IOException io) {
      LOG.warn("could not send error {}: {}", e.status(), io.toString());
      exchange.endExchange();
    }
  }
}
