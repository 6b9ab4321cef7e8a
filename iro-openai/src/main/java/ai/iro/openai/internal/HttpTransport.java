package ai.iro.openai.internal;

import ai.iro.openai.Endpoint;
import ai.iro.openai.InvalidResponseException;
import ai.iro.openai.RetryPolicy;
import ai.iro.openai.ServerException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs JSON to one {@link Endpoint} and returns the JSON answer, retrying what the endpoint's
 * {@link RetryPolicy} allows: connection errors, timeouts, HTTP 429 and 5xx, waiting as a
 * {@code Retry-After} header asks or with jittered exponential backoff. Other statuses fail at once
 * with the server's message. The API key goes into the {@code Authorization} header and nowhere
 * else; messages that quote it get {@code ***} instead. At most
 * {@link Endpoint#maxConcurrentRequests()} attempts are in flight at once; waits between attempts
 * hold no permit. Thread safe.
 */
public final class HttpTransport {
  private static final Logger LOG = LoggerFactory.getLogger(HttpTransport.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Server messages are cut to this many characters in exception messages. */
  private static final int MAX_MESSAGE_CHARS = 1000;

  /** A successful answer: the parsed body, its status and the attempts it took. */
  public record Reply(JsonNode body, int status, int attempts) {
    /** An {@link InvalidResponseException} about this reply. */
    public InvalidResponseException invalid(String message) {
      return new InvalidResponseException(message, status, attempts);
    }
  }

  /** Time and waiting, replaceable in tests. */
  public interface Ticker {
    /** The system clock and {@link Thread#sleep}. */
    Ticker SYSTEM = new Ticker() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void sleep(Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);
      }
    };

    /** A monotonic time in nanoseconds. */
    long nanoTime();

    /** Waits for {@code duration}. */
    void sleep(Duration duration) throws InterruptedException;
  }

  private final HttpClient client;
  private final URI baseUrl;
  private final Optional<String> apiKey;
  private final Duration readTimeout;
  private final RetryPolicy retry;
  private final Semaphore permits;
  private final Ticker ticker;
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong attempts = new AtomicLong();

  /**
   * Creates a transport.
   *
   * @param endpoint the server and the call settings
   * @param apiKey the key to send, if any
   * @param ticker the clock and sleeper
   */
  public HttpTransport(Endpoint endpoint, Optional<String> apiKey, Ticker ticker) {
    this.baseUrl = endpoint.baseUrl();
    this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
    this.readTimeout = endpoint.readTimeout();
    this.retry = endpoint.retryPolicy();
    this.permits = new Semaphore(endpoint.maxConcurrentRequests(), true);
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(endpoint.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /** The number of {@link #post} calls so far. */
  public long calls() {
    return calls.get();
  }

  /** The number of HTTP attempts so far, retries included. */
  public long attempts() {
    return attempts.get();
  }

  /** The URL a path resolves to, for messages. */
  public String url(String path) {
    return baseUrl + path;
  }

  /**
   * POSTs {@code body} to the base URL followed by {@code path} and parses the 2xx answer.
   *
   * @param path the path after the base URL, starting with '/'
   * @param body the JSON request
   * @throws ServerException if the call failed at once, or after the retries the policy allows
   * @throws InvalidResponseException if a 2xx answer is not JSON
   */
  public Reply post(String path, JsonNode body) {
    calls.incrementAndGet();
    String what = "POST " + url(path);
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url(path)))
        .timeout(readTimeout)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
    apiKey.ifPresent(k -> request.header("Authorization", "Bearer " + k));
    HttpRequest built = request.build();
    long start = ticker.nanoTime();
    for (int attempt = 1; ; attempt++) {
      attempts.incrementAndGet();
      HttpResponse<String> response = null;
      IOException error = null;
      try {
        permits.acquire();
        try {
          response = client.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } finally {
          permits.release();
        }
      } catch (IOException e) {
        error = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ServerException(what + " was interrupted in attempt " + attempt, -1, attempt, e);
      }
      int status = response == null ? -1 : response.statusCode();
      if (response != null && status / 100 == 2) {
        return new Reply(parse(what, response, attempt), status, attempt);
      }
      String failure = error != null ? describe(error) : "HTTP " + status + ": " + serverMessage(response.body());
      if (error == null && status != 429 && status / 100 != 5) {
        throw new ServerException(what + " was refused with " + failure, status, attempt, null);
      }
      double seconds = (ticker.nanoTime() - start) / 1e9;
      if (attempt >= retry.maxAttempts()) {
        throw new ServerException(String.format(Locale.ROOT, "%s failed %d times in %.1f s (%s); last: %s",
            what, attempt, seconds, retry, failure), status, attempt, error);
      }
      Optional<Duration> asked = response == null ? Optional.empty()
          : response.headers().firstValue("Retry-After").flatMap(HttpTransport::retryAfter);
      Duration wait = asked.isPresent() ? asked.get()
          : retry.backoff(attempt, ThreadLocalRandom.current().nextDouble());
      Duration elapsed = Duration.ofNanos(ticker.nanoTime() - start);
      if (elapsed.plus(wait).compareTo(retry.maxElapsed()) > 0) {
        throw new ServerException(String.format(Locale.ROOT,
            "%s failed %d times in %.1f s, and waiting %s%s for another attempt would pass the retry policy's "
                + "maxElapsed of %s; last: %s", what, attempt, seconds, wait, asked.isPresent() ? " (Retry-After)" : "",
            retry.maxElapsed(), failure), status, attempt, error);
      }
      LOG.warn("{} failed in attempt {} of {} ({}); retrying in {}", what, attempt, retry.maxAttempts(), failure, wait);
      try {
        ticker.sleep(wait);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ServerException(what + " was interrupted waiting to retry after: " + failure, status, attempt, e);
      }
    }
  }

  private JsonNode parse(String what, HttpResponse<String> response, int attempt) {
    try {
      JsonNode node = JSON.readTree(response.body());
      if (node == null || node.isMissingNode()) {
        throw new InvalidResponseException(what + " answered HTTP " + response.statusCode() + " with an empty body",
            response.statusCode(), attempt);
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new InvalidResponseException(what + " answered HTTP " + response.statusCode()
          + " with a body that is not JSON: " + redact(cut(response.body())), response.statusCode(), attempt);
    }
  }

  private String describe(IOException e) {
    if (e instanceof HttpTimeoutException) {
      return "no response within " + readTimeout + " (" + e.getClass().getSimpleName() + ")";
    }
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + redact(e.getMessage()));
  }

  /**
   * The server's own words from an error body: the {@code error.message} of OpenAI and recent vLLM,
   * the top-level {@code message} of older vLLM, the {@code error} string of TEI, the {@code detail}
   * of FastAPI validation errors, or else the body itself; cut short, the API key redacted.
   */
  String serverMessage(String body) {
    if (body == null || body.isBlank()) {
      return "(empty body)";
    }
    String message = body;
    try {
      JsonNode node = JSON.readTree(body);
      JsonNode error = node.path("error");
      if (error.path("message").isTextual()) {
        message = error.path("message").asText();
      } else if (node.path("message").isTextual()) {
        message = node.path("message").asText();
      } else if (error.isTextual()) {
        message = error.asText();
      } else if (!node.path("detail").isMissingNode()) {
        JsonNode detail = node.path("detail");
        message = detail.isTextual() ? detail.asText() : detail.toString();
      }
    } catch (JsonProcessingException e) {
      // Not JSON (a proxy's HTML page, plain text): the body itself is the message.
    }
    return redact(cut(message));
  }

  private String redact(String text) {
    return apiKey.map(k -> text.replace(k, "***")).orElse(text);
  }

  private static String cut(String text) {
    return text.length() <= MAX_MESSAGE_CHARS ? text : text.substring(0, MAX_MESSAGE_CHARS) + "...";
  }

  /** A Retry-After value: delay seconds or an HTTP date; empty when unreadable. */
  static Optional<Duration> retryAfter(String value) {
    String v = value.trim();
    try {
      long seconds = Long.parseLong(v);
      return Optional.of(Duration.ofSeconds(Math.max(0, seconds)));
    } catch (NumberFormatException e) {
      try {
        Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
        return Optional.of(d.isNegative() ? Duration.ZERO : d);
      } catch (DateTimeParseException e2) {
        LOG.debug("ignoring an unreadable Retry-After header: {}", v);
        return Optional.empty();
      }
    }
  }

  @Override
  public String toString() {
    return "HttpTransport{" + baseUrl + "}";
  }
}
