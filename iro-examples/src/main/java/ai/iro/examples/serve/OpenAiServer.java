package ai.iro.examples.serve;

import ai.iro.core.AlignedPolicy;
import ai.iro.onnx.chat.ChatTemplate;
import ai.iro.onnx.lm.OnnxCausalLM;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.base.Preconditions;
import io.undertow.Undertow;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.GracefulShutdownHandler;
import io.undertow.util.Headers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible HTTP server over one base model and any number of aligned policies that
 * share it: {@code POST /v1/completions}, {@code POST /v1/chat/completions} (when the model has a
 * chat template), {@code GET /v1/models} and {@code GET /health}.
 *
 * <p>A request's {@code model} names the base model (plain sampling, {@code n} independent samples)
 * or a policy (its search; {@code n} asks for the best {@code n} finals of that one search, the
 * policy's pick first). The same request gives the same output: randomness comes from the request's
 * {@code seed}, {@value #DEFAULT_SEED} when absent; row {@code k} of a base-model request (prompt
 * {@code k / n}, choice {@code k % n}) samples from {@code Decoding.streamSeed(seed, k)}, batched or
 * not: base-model requests arriving within {@link Builder#batchWindow} of each other are decoded in
 * one batch (grouped by sampling settings), each prompt prefilled once and forked {@code n} times.
 * Base-model prompts may be token ids, read verbatim (no BOS added); {@code return_token_ids} adds
 * vLLM's {@code prompt_token_ids} and {@code token_ids}. {@code stream: true} answers with SSE
 * chunks. Errors are OpenAI error objects {@code {"error": {"message", "type", "code"}}}: 400 for a
 * body that is not JSON or a bad parameter, 401 for a missing or wrong API key, 404 for an unknown
 * model or path, 413 for a body over {@link Builder#maxBodyBytes}, 429 when {@link Builder#concurrency}
 * requests already run; never a stack trace. Unsupported (a 400): logprobs, echo, suffix, best_of, tools.
 *
 * <pre>{@code
 * try (OnnxCausalLM lm = OnnxCausalLM.load(dir);
 *     OpenAiServer server = OpenAiServer.builder().model("kjv-tiny", lm).port(8000).start()) {
 *   server.awaitClose();
 * }
 * }</pre>
 *
 * <p>The server does not own the model: close the server first, then the model. {@link #close()}
 * stops taking requests, waits up to {@link Builder#shutdownGrace} for running ones, and is
 * idempotent.
 */
public final class OpenAiServer implements AutoCloseable {
  /** Default: the loopback address, so nothing off this machine can call the server. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** Default: port 8000. */
  public static final int DEFAULT_PORT = 8000;
  /** Default seed of a request that gives none: 0. */
  public static final long DEFAULT_SEED = 0L;
  /** Default {@code max_tokens} of a completion that gives none: 16, as OpenAI's. */
  public static final int DEFAULT_MAX_TOKENS = 16;
  /** Default: at most 1024 new tokens per request. */
  public static final int DEFAULT_MAX_TOKENS_LIMIT = 1024;
  /** Default: at most 16 choices per prompt. */
  public static final int DEFAULT_MAX_N = 16;
  /** Default: request bodies up to 1 MiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
  /** Default: 16 requests generate at once; more are answered 429. */
  public static final int DEFAULT_CONCURRENCY = 16;
  /** Default: a waiting base-model request waits up to 20 ms for others to share its batch. */
  public static final Duration DEFAULT_BATCH_WINDOW = Duration.ofMillis(20);
  /** Default: a batch collects requests until it holds 64 rows (prompts times {@code n}). */
  public static final int DEFAULT_MAX_BATCH_ROWS = 64;
  /** Default: {@link #close()} waits 30 seconds for running requests. */
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(30);

  private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);

  private final String modelName;
  private final Map<String, AlignedPolicy> policies;
  private final Optional<byte[]> apiKey;
  private final int maxBodyBytes;
  private final Completions completions;
  private final DecodeBatcher batcher;
  private final Duration shutdownGrace;
  private final int concurrency;
  private final Semaphore running;
  private final GracefulShutdownHandler shutdown;
  private final Undertow undertow;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Object closeLock = new Object();

  private OpenAiServer(Builder b) {
    this.modelName = b.modelName;
    this.policies = Map.copyOf(b.policies);
    this.apiKey = b.apiKey.map(k -> ("Bearer " + k).getBytes(StandardCharsets.UTF_8));
    this.maxBodyBytes = b.maxBodyBytes;
    RequestParser parser = new RequestParser(modelName, policies, modelNames(), b.maxTokensLimit, b.maxN);
    this.batcher = new DecodeBatcher(b.model, b.batchWindow, b.maxBatchRows);
    this.completions = new Completions(modelName, b.model, b.chatTemplate, parser, batcher);
    this.shutdownGrace = b.shutdownGrace;
    this.concurrency = b.concurrency;
    this.running = new Semaphore(b.concurrency);
    this.shutdown = new GracefulShutdownHandler(exchange -> {
      if (exchange.isInIoThread()) {
        exchange.dispatch(this::handle);
      } else {
        handle(exchange);
      }
    });
    this.undertow = Undertow.builder().addHttpListener(b.port, b.host)
        .setWorkerThreads(b.concurrency + 4).setHandler(shutdown).build();
    undertow.start();
    this.port = ((InetSocketAddress) undertow.getListenerInfo().get(0).getAddress()).getPort();
  }

  /** Returns a builder; {@link Builder#model} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The port the server listens on (the one chosen by the system when built with port 0). */
  public int port() {
    return port;
  }

  /** The names a request's {@code model} may take: the base model's, then each policy's, sorted. */
  public List<String> modelNames() {
    List<String> names = new ArrayList<>();
    names.add(modelName);
    policies.keySet().stream().sorted().forEach(names::add);
    return names;
  }

  /** The request slots, for tests that fill them. */
  Semaphore slots() {
    return running;
  }

  /** The batcher of base-model requests, for tests that check what it batched. */
  DecodeBatcher batcher() {
    return batcher;
  }

  /** Whether {@code host} names the loopback address, the only one served without an API key. */
  public static boolean isLoopback(String host) {
    return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]");
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitClose() throws InterruptedException {
    synchronized (closeLock) {
      while (!closed.get()) {
        closeLock.wait();
      }
    }
  }

  /** Stops taking requests, waits for running ones up to the grace period, and stops. Idempotent. */
  @Override
  public void close() {
    if (closed.get()) {
      return;
    }
    shutdown.shutdown();
    try {
      shutdown.awaitShutdown(shutdownGrace.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    undertow.stop();
    batcher.close();
    synchronized (closeLock) {
      closed.set(true);
      closeLock.notifyAll();
    }
  }

  private void handle(HttpServerExchange exchange) {
    exchange.startBlocking();
    try {
      route(exchange);
    } catch (ApiError e) {
      HttpJson.sendError(exchange, e);
    } catch (IllegalArgumentException e) {
      // The model and the chat template refuse input they cannot take (a prompt they cannot encode,
      // a conversation the template rejects) with an IllegalArgumentException that names it.
      HttpJson.sendError(exchange, ApiError.invalid(e.getMessage()));
    } catch (RuntimeException e) {
      LOG.error("request {} {} failed", exchange.getRequestMethod(), exchange.getRequestPath(), e);
      HttpJson.sendError(exchange, new ApiError(500, "server_error", "internal_error",
          "internal error: " + e.getClass().getSimpleName() + "; see the server log"));
    } catch (IOException e) {
      LOG.warn("request {} {}: {}", exchange.getRequestMethod(), exchange.getRequestPath(), e.toString());
      exchange.endExchange();
    }
  }

  private void route(HttpServerExchange exchange) throws IOException {
    String path = exchange.getRequestPath();
    String method = exchange.getRequestMethod().toString();
    boolean post = path.equals("/v1/completions") || path.equals("/v1/chat/completions");
    boolean get = path.equals("/health") || path.equals("/v1/models");
    if (!post && !get) {
      throw new ApiError(404, "invalid_request_error", "unknown_url", "unknown path " + method + " " + path);
    }
    if (!method.equals(post ? "POST" : "GET")) {
      throw new ApiError(405, "invalid_request_error", "method_not_allowed",
          path + " takes " + (post ? "POST" : "GET") + ", found " + method);
    }
    if (path.equals("/health")) {
      HttpJson.send(exchange, 200, HttpJson.JSON.createObjectNode().put("status", "ok"));
      return;
    }
    authorize(exchange);
    if (path.equals("/v1/models")) {
      HttpJson.send(exchange, 200, models());
      return;
    }
    JsonNode body = HttpJson.readBody(exchange, maxBodyBytes);
    if (!running.tryAcquire()) {
      throw new ApiError(429, "rate_limit_error", "too_many_requests",
          "the server is busy: " + concurrency + " requests are already running; retry later");
    }
    try {
      boolean chat = path.equals("/v1/chat/completions");
      Optional<RequestParser.Streaming> streaming = RequestParser.streaming(body);
      if (streaming.isPresent()) {
        completions.stream(body, chat, streaming.get(), new EventStream(exchange));
      } else {
        HttpJson.send(exchange, 200, chat ? completions.chatCompletion(body) : completions.completion(body));
      }
    } finally {
      running.release();
    }
  }

  private void authorize(HttpServerExchange exchange) {
    if (apiKey.isEmpty()) {
      return;
    }
    String given = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
    if (given == null || !MessageDigest.isEqual(apiKey.get(), given.getBytes(StandardCharsets.UTF_8))) {
      throw new ApiError(401, "invalid_request_error", "invalid_api_key",
          given == null ? "missing API key: send Authorization: Bearer KEY" : "incorrect API key");
    }
  }


  private ObjectNode models() {
    ObjectNode out = HttpJson.JSON.createObjectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    for (String name : modelNames()) {
      data.addObject().put("id", name).put("object", "model").put("created", 0).put("owned_by", "iro");
    }
    return out;
  }

  /** Settings of an {@link OpenAiServer}; {@link #start()} checks them and starts the server. */
  public static final class Builder {
    private String modelName;
    private OnnxCausalLM model;
    private Optional<ChatTemplate> chatTemplate = Optional.empty();
    private final Map<String, AlignedPolicy> policies = new LinkedHashMap<>();
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private Optional<String> apiKey = Optional.empty();
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private int maxTokensLimit = DEFAULT_MAX_TOKENS_LIMIT;
    private int maxN = DEFAULT_MAX_N;
    private int concurrency = DEFAULT_CONCURRENCY;
    private Duration shutdownGrace = DEFAULT_SHUTDOWN_GRACE;
    private Duration batchWindow = DEFAULT_BATCH_WINDOW;
    private int maxBatchRows = DEFAULT_MAX_BATCH_ROWS;

    private Builder() {}

    /** The base model and the name requests call it by. Required; the caller keeps ownership. */
    public Builder model(String name, OnnxCausalLM model) {
      this.modelName = requireName(name);
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** The template chat completions are rendered with. Default: none (chat completions answer 400). */
    public Builder chatTemplate(ChatTemplate template) {
      this.chatTemplate = Optional.of(Objects.requireNonNull(template, "template"));
      return this;
    }

    /** An aligned policy over the same base model, called by {@code name}. Default: none. */
    public Builder policy(String name, AlignedPolicy policy) {
      Objects.requireNonNull(policy, "policy");
      Preconditions.checkArgument(policies.putIfAbsent(requireName(name), policy) == null,
          "policy name %s given twice", name);
      return this;
    }

    /** The address to bind. Default: {@value #DEFAULT_HOST}; any other needs {@link #apiKey}. */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port; 0 lets the system choose one ({@link OpenAiServer#port()}). Default: {@value #DEFAULT_PORT}. */
    public Builder port(int port) {
      Preconditions.checkArgument(port >= 0 && port <= 65535, "port must be in [0, 65535], found %s", port);
      this.port = port;
      return this;
    }

    /** The key requests must send as {@code Authorization: Bearer KEY}. Default: none, no check. */
    public Builder apiKey(String apiKey) {
      Preconditions.checkArgument(apiKey != null && !apiKey.isBlank(), "apiKey must be non-blank");
      this.apiKey = Optional.of(apiKey);
      return this;
    }

    /** The largest request body, in bytes. Default: {@value #DEFAULT_MAX_BODY_BYTES}. */
    public Builder maxBodyBytes(int maxBodyBytes) {
      Preconditions.checkArgument(maxBodyBytes >= 1, "maxBodyBytes must be positive, found %s", maxBodyBytes);
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** The largest {@code max_tokens} a request may ask. Default: {@value #DEFAULT_MAX_TOKENS_LIMIT}. */
    public Builder maxTokens(int maxTokensLimit) {
      Preconditions.checkArgument(maxTokensLimit >= 1, "maxTokens must be positive, found %s", maxTokensLimit);
      this.maxTokensLimit = maxTokensLimit;
      return this;
    }

    /** The largest {@code n}. Default: {@value #DEFAULT_MAX_N}. */
    public Builder maxN(int maxN) {
      Preconditions.checkArgument(maxN >= 1, "maxN must be positive, found %s", maxN);
      this.maxN = maxN;
      return this;
    }

    /** How many requests may generate at once; more are answered 429. Default: {@value #DEFAULT_CONCURRENCY}. */
    public Builder concurrency(int concurrency) {
      Preconditions.checkArgument(concurrency >= 1, "concurrency must be positive, found %s", concurrency);
      this.concurrency = concurrency;
      return this;
    }

    /** How long {@link OpenAiServer#close()} waits for running requests. Default: 30 seconds. */
    public Builder shutdownGrace(Duration grace) {
      Preconditions.checkArgument(!grace.isNegative(), "shutdownGrace must not be negative, found %s", grace);
      this.shutdownGrace = grace;
      return this;
    }

    /**
     * How long the first waiting base-model request waits at most for others to share its batch (less
     * once as many wait as the previous batch held; zero: only those already waiting). Default: 20 ms.
     */
    public Builder batchWindow(Duration window) {
      Preconditions.checkArgument(!window.isNegative(), "batchWindow must not be negative, found %s", window);
      this.batchWindow = window;
      return this;
    }

    /** The rows a batch collects before it starts decoding. Default: {@value #DEFAULT_MAX_BATCH_ROWS}. */
    public Builder maxBatchRows(int maxBatchRows) {
      Preconditions.checkArgument(maxBatchRows >= 1, "maxBatchRows must be positive, found %s", maxBatchRows);
      this.maxBatchRows = maxBatchRows;
      return this;
    }

    /**
     * Checks the settings and starts the server.
     *
     * @throws IllegalStateException if no model was given
     * @throws IllegalArgumentException if the host is not a loopback address and no API key was given,
     *     or a policy has the base model's name
     */
    public OpenAiServer start() {
      Preconditions.checkState(model != null, "model is required");
      Preconditions.checkArgument(!policies.containsKey(modelName),
          "policy name %s is the base model's name", modelName);
      Preconditions.checkArgument(apiKey.isPresent() || isLoopback(host),
          "binding %s, not a loopback address, needs an API key", host);
      return new OpenAiServer(this);
    }

    private static String requireName(String name) {
      Preconditions.checkArgument(name != null && !name.isBlank(), "a model name must be non-blank, found %s", name);
      return name;
    }
  }
}
