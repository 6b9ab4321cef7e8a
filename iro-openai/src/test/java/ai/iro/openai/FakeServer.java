package ai.iro.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * An OpenAI-compatible server for tests, on the loopback interface: {@code POST /v1/completions}
 * samples from a deterministic toy language model over {@link CharTokenizer}'s vocabulary with vLLM's
 * semantics (token-id or text prompts, {@code n} samples per prompt, sample {@code j} seeded with
 * {@code seed + j}, every prompt of a request with the same seed, stop strings, {@code token_ids} or
 * {@code logprobs.tokens} as {@code "token_id:<id>"}); other paths answer with handlers a test sets.
 * Every request is recorded. Faults queued with {@link #fail} apply to the next requests, one each:
 * an error status (with a {@code Retry-After}), a delay, a connection cut mid-answer, or a change to
 * the answer.
 */
final class FakeServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String COMPLETIONS = "/v1/completions";

  /** A request as received. */
  record Recorded(String path, JsonNode body, String authorization) {}

  /** What to do to one request instead of, or besides, answering it normally. */
  static final class Fault {
    final int status;
    final String body;
    final String retryAfter;
    final Duration delay;
    final boolean cut;
    final UnaryOperator<JsonNode> change;

    private Fault(int status, String body, String retryAfter, Duration delay, boolean cut,
        UnaryOperator<JsonNode> change) {
      this.status = status;
      this.body = body;
      this.retryAfter = retryAfter;
      this.delay = delay;
      this.cut = cut;
      this.change = change;
    }

    /** Answers with this status and body. */
    static Fault status(int status, String body) {
      return new Fault(status, body, null, null, false, null);
    }

    /** Answers 429 with this Retry-After header. */
    static Fault tooManyRequests(String retryAfter) {
      return new Fault(429, "{\"error\":{\"message\":\"rate limited\"}}", retryAfter, null, false, null);
    }

    /** Waits, then answers normally (the client may have given up). */
    static Fault delay(Duration delay) {
      return new Fault(0, null, null, delay, false, null);
    }

    /** Promises a long body, sends a few bytes and closes the connection. */
    static Fault cut() {
      return new Fault(0, null, null, null, true, null);
    }

    /** Answers with the normal answer changed. */
    static Fault change(UnaryOperator<JsonNode> change) {
      return new Fault(0, null, null, null, false, change);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final List<Recorded> requests = Collections.synchronizedList(new ArrayList<>());
  private final ConcurrentLinkedDeque<Fault> faults = new ConcurrentLinkedDeque<>();
  private final Map<String, UnaryOperator<JsonNode>> handlers = new ConcurrentHashMap<>();
  private final CharTokenizer tokenizer = new CharTokenizer();
  private final AtomicLong unseeded = new AtomicLong(1);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger mostInFlight = new AtomicInteger();
  private volatile double endOfSequenceWeight = 0.5;

  FakeServer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the fake server", e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /** The base URL of the completions API ({@code http://127.0.0.1:port/v1}). */
  String v1() {
    return root() + "/v1";
  }

  /** The server's root URL. */
  String root() {
    return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
  }

  /** Queues faults for the next requests, in order. */
  FakeServer fail(Fault... next) {
    faults.addAll(List.of(next));
    return this;
  }

  /** Answers {@code path} with {@code handler}'s JSON. */
  FakeServer on(String path, UnaryOperator<JsonNode> handler) {
    handlers.put(path, handler);
    return this;
  }

  /** Sets the end-of-sequence token's weight against about 5 per other token. Default 0.5. */
  FakeServer endOfSequenceWeight(double weight) {
    this.endOfSequenceWeight = weight;
    return this;
  }

  /** Every request so far. */
  List<Recorded> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  /** The bodies of the requests to {@code path}. */
  List<JsonNode> bodies(String path) {
    return requests().stream().filter(r -> r.path().equals(path)).map(Recorded::body).toList();
  }

  /** The most requests this server was handling at once. */
  int mostInFlight() {
    return mostInFlight.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    try (exchange) {
      JsonNode body = JSON.readTree(exchange.getRequestBody().readAllBytes());
      String path = exchange.getRequestURI().getPath();
      requests.add(new Recorded(path, body, exchange.getRequestHeaders().getFirst("Authorization")));
      Fault fault = faults.poll();
      if (fault != null && fault.status != 0) {
        if (fault.retryAfter != null) {
          exchange.getResponseHeaders().add("Retry-After", fault.retryAfter);
        }
        send(exchange, fault.status, fault.body);
        return;
      }
      if (fault != null && fault.cut) {
        exchange.sendResponseHeaders(200, 10_000);
        exchange.getResponseBody().write("{\"choi".getBytes(StandardCharsets.UTF_8));
        exchange.getResponseBody().flush();
        return;
      }
      if (fault != null && fault.delay != null) {
        Thread.sleep(fault.delay.toMillis());
      }
      JsonNode answer;
      if (path.equals(COMPLETIONS)) {
        answer = complete(body);
      } else if (handlers.containsKey(path)) {
        answer = handlers.get(path).apply(body);
      } else {
        send(exchange, 404, "{\"detail\":\"Not Found\"}");
        return;
      }
      if (fault != null && fault.change != null) {
        answer = fault.change.apply(answer);
      }
      send(exchange, 200, answer.toString());
    } catch (IOException e) {
      // The client went away (it timed out): nothing to answer.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  // ---- The toy language model ----

  private JsonNode complete(JsonNode request) {
    List<int[]> prompts = new ArrayList<>();
    for (JsonNode p : request.path("prompt")) {
      if (p.isTextual()) {
        prompts.add(tokenizer.encode(p.asText()));
      } else {
        int[] ids = new int[p.size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = p.get(i).asInt();
        }
        prompts.add(ids);
      }
    }
    int n = request.path("n").asInt(1);
    int maxTokens = request.path("max_tokens").asInt(16);
    boolean greedy = request.path("temperature").asDouble(1) == 0;
    List<String> stops = new ArrayList<>();
    request.path("stop").forEach(s -> stops.add(s.asText()));
    boolean keepStop = request.path("include_stop_str_in_output").asBoolean(false);
    ObjectNode response = JSON.createObjectNode().put("id", "cmpl-fake").put("object", "text_completion")
        .put("model", request.path("model").asText());
    ArrayNode choices = response.putArray("choices");
    long completionTokens = 0;
    long promptTokens = 0;
    for (int p = 0; p < prompts.size(); p++) {
      promptTokens += prompts.get(p).length;
      for (int j = 0; j < n; j++) {
        SplittableRandom random = new SplittableRandom(
            request.has("seed") ? request.path("seed").asLong() + j : unseeded.getAndIncrement() * 7919);
        List<Integer> context = new ArrayList<>();
        for (int id : prompts.get(p)) {
          context.add(id);
        }
        List<Integer> sampled = new ArrayList<>();
        String finish = "length";
        String stopReason = null;
        String text = "";
        for (int step = 0; step < maxTokens; step++) {
          int token = next(context, random.nextDouble(), greedy);
          sampled.add(token);
          context.add(token);
          if (token == CharTokenizer.EOS) {
            finish = "stop";
            break;
          }
          text = tokenizer.decode(sampled.stream().mapToInt(Integer::intValue).toArray());
          String hit = stops.stream().filter(text::contains).findFirst().orElse(null);
          if (hit != null) {
            finish = "stop";
            stopReason = hit;
            int at = text.indexOf(hit);
            text = keepStop ? text.substring(0, at + hit.length()) : text.substring(0, at);
            break;
          }
        }
        completionTokens += sampled.size();
        ObjectNode choice = choices.addObject().put("index", p * n + j).put("text", text)
            .put("finish_reason", finish);
        if (stopReason == null) {
          choice.putNull("stop_reason");
        } else {
          choice.put("stop_reason", stopReason);
        }
        if (request.path("return_token_ids").asBoolean(false)) {
          ArrayNode ids = choice.putArray("token_ids");
          sampled.forEach(ids::add);
        }
        if (request.path("return_tokens_as_token_ids").asBoolean(false) && request.has("logprobs")) {
          ArrayNode tokens = choice.putObject("logprobs").putArray("tokens");
          sampled.forEach(t -> tokens.add("token_id:" + t));
        }
      }
    }
    response.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
        .put("total_tokens", promptTokens + completionTokens);
    return response;
  }

  /**
   * The token drawn by the uniform {@code u} from the toy distribution after {@code context}:
   * weights from a hash of the last two tokens, so different contexts give different tokens for the
   * same draw; greedy takes the heaviest token. Never the merged "th" token.
   */
  private int next(List<Integer> context, double u, boolean greedy) {
    int a = context.isEmpty() ? 0 : context.get(context.size() - 1);
    int b = context.size() < 2 ? 0 : context.get(context.size() - 2);
    double[] w = new double[CharTokenizer.VOCABULARY];
    double sum = 0;
    for (int t = 0; t < w.length; t++) {
      if (t == CharTokenizer.TH) {
        continue;
      }
      w[t] = t == CharTokenizer.EOS ? endOfSequenceWeight : 1 + Math.floorMod((a * 31 + b) * 17 + t * 131 + a * t, 9);
      sum += w[t];
    }
    if (greedy) {
      int best = 0;
      for (int t = 1; t < w.length; t++) {
        if (w[t] > w[best]) {
          best = t;
        }
      }
      return best;
    }
    double x = u * sum;
    for (int t = 0; t < w.length; t++) {
      x -= w[t];
      if (x < 0 && w[t] > 0) {
        return t;
      }
    }
    return w.length - 2;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
