package ai.iro.examples.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of a server that fails a seeded share of requests: HTTP 500, HTTP 429 with
 * {@code Retry-After}, no answer within the client's read timeout, or a connection closed without
 * an answer, in turn. The rest it forwards and answers with the server's reply. Counts both.
 */
final class FaultProxy implements AutoCloseable {
  /** The ways a request fails. */
  enum Fault {
    SERVER_ERROR, TOO_MANY_REQUESTS, TIMEOUT, RESET
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(4);
  private final HttpClient client = HttpClient.newHttpClient();
  private final String upstream;
  private final double share;
  private final Duration stall;
  private final SplittableRandom random;
  private int drawn;
  private final AtomicInteger forwarded = new AtomicInteger();
  private final Map<Fault, AtomicInteger> faults = new EnumMap<>(Fault.class);

  /**
   * @param upstream the server's base, e.g. {@code http://127.0.0.1:8000}
   * @param share the share of requests that fail
   * @param stall how long a {@link Fault#TIMEOUT} waits before closing: longer than the client's read timeout
   * @param seed the seed of which requests fail and how
   */
  FaultProxy(String upstream, double share, Duration stall, long seed) throws IOException {
    this.upstream = upstream;
    this.share = share;
    this.stall = stall;
    this.random = new SplittableRandom(seed);
    for (Fault f : Fault.values()) {
      faults.put(f, new AtomicInteger());
    }
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  /** The proxy's base URL of the OpenAI API, {@code http://127.0.0.1:PORT/v1}. */
  String v1() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** Requests forwarded to the server and answered with its reply. */
  int forwarded() {
    return forwarded.get();
  }

  /** Requests failed with {@code fault}. */
  int faults(Fault fault) {
    return faults.get(fault).get();
  }

  /** Whether this request fails (a seeded draw), and if so the next fault in turn, so that all occur. */
  private Fault draw() {
    synchronized (random) {
      if (random.nextDouble() >= share) {
        return null;
      }
      return Fault.values()[drawn++ % Fault.values().length];
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    Fault fault = draw();
    if (fault != null) {
      faults.get(fault).incrementAndGet();
    }
    try {
      if (fault == Fault.SERVER_ERROR) {
        reply(exchange, 500, "{\"error\": {\"message\": \"injected failure\", \"type\": \"server_error\"}}");
      } else if (fault == Fault.TOO_MANY_REQUESTS) {
        exchange.getResponseHeaders().add("Retry-After", "0");
        reply(exchange, 429, "{\"error\": {\"message\": \"injected: busy\", \"type\": \"rate_limit_error\"}}");
      } else if (fault == Fault.TIMEOUT) {
        Thread.sleep(stall.toMillis());
        exchange.close();
      } else if (fault == Fault.RESET) {
        exchange.close();
      } else {
        HttpRequest request = HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
            .header("Content-Type", "application/json")
            .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        forwarded.incrementAndGet();
        reply(exchange, response.statusCode(), response.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exchange.close();
    }
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
