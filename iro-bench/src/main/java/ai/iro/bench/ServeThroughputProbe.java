package ai.iro.bench;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.examples.serve.OpenAiServer;
import ai.iro.onnx.lm.OnnxCausalLM;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code iro serve}'s throughput (completion tokens per second) with 1, 4 and 16 concurrent clients,
 * against the library's own batched decoding of the same work, in one JVM. Each client sends
 * {@code rounds} completion requests one after another (one prompt, {@code n = 1}, {@code max_tokens}
 * tokens, its own seed) over loopback HTTP to an {@link OpenAiServer} with default settings; the
 * library decodes the same prompts with the same sampling in {@code rounds} batches of
 * {@code clients} rows, one {@code extend} each. End-of-sequence stopping is off, so both sides
 * generate exactly {@code clients * rounds * max_tokens} tokens. Each setting runs library, server,
 * library, server after one warm-up of both, and reports the faster run of each side and their
 * ratio.
 *
 * <p>Run from the repository root: {@code java -cp iro-bench/target/benchmarks.jar
 * ai.iro.bench.ServeThroughputProbe [rounds] [maxTokens] [threads] [modelDirectory]}.
 */
public final class ServeThroughputProbe {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int[] CLIENTS = {1, 4, 16};

  private ServeThroughputProbe() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int maxTokens = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
    String model = args.length > 3 ? args[3] : BenchModels.DEFAULT_MODEL;
    try (OnnxCausalLM lm = BenchModels.load(model, threads);
        OpenAiServer server = OpenAiServer.builder().model("bench", lm).port(0).start()) {
      Sampling sampling = Sampling.builder().temperature(1).topP(1).topK(0).maxNewTokens(maxTokens).build();
      HttpClient http = HttpClient.newBuilder().executor(Executors.newCachedThreadPool()).build();
      System.out.printf(Locale.ROOT, "rounds %d, max_tokens %d, %d ORT thread(s), batch window %s%n", rounds,
          maxTokens, threads, OpenAiServer.DEFAULT_BATCH_WINDOW);
      System.out.println("clients  library tok/s  serve tok/s  serve/library");
      library(lm, sampling, 4, 2);
      served(http, server.port(), 4, 2, maxTokens);
      for (int clients : CLIENTS) {
        double lib = 0;
        double srv = 0;
        for (int rep = 0; rep < 2; rep++) {
          lib = Math.max(lib, library(lm, sampling, clients, rounds));
          srv = Math.max(srv, served(http, server.port(), clients, rounds, maxTokens));
        }
        System.out.printf(Locale.ROOT, "%7d  %13.0f  %11.0f  %13.2f%n", clients, lib, srv, srv / lib);
      }
    }
  }

  private static String prompt(int client, int round) {
    return BenchModels.PROMPTS.get((client * 7 + round) % BenchModels.PROMPTS.size());
  }

  /** Tokens per second of {@code rounds} batches of {@code clients} rows, each request's stream seed as served. */
  private static double library(OnnxCausalLM lm, Sampling sampling, int clients, int rounds) {
    long tokens = 0;
    long start = System.nanoTime();
    for (int round = 0; round < rounds; round++) {
      List<String> prompts = new ArrayList<>();
      long[] seeds = new long[clients];
      for (int c = 0; c < clients; c++) {
        prompts.add(prompt(c, round));
        seeds[c] = Decoding.streamSeed(seed(c, round), 0);
      }
      try (Decoding d = lm.open(prompts, sampling, 0L)) {
        d.extend(sampling.maxNewTokens(), seeds);
        for (int r = 0; r < d.size(); r++) {
          tokens += d.responseLength(r);
        }
      }
    }
    return tokens / ((System.nanoTime() - start) / 1e9);
  }

  private static long seed(int client, int round) {
    return client * 1000L + round;
  }

  /** Tokens per second of {@code clients} threads each sending {@code rounds} requests in turn. */
  private static double served(HttpClient http, int port, int clients, int rounds, int maxTokens) throws Exception {
    AtomicLong tokens = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long start = System.nanoTime();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        done.add(pool.submit(() -> {
          for (int round = 0; round < rounds; round++) {
            tokens.addAndGet(complete(http, port, prompt(client, round), maxTokens, seed(client, round)));
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    return tokens.get() / ((System.nanoTime() - start) / 1e9);
  }

  private static long complete(HttpClient http, int port, String prompt, int maxTokens, long seed) {
    try {
      String body = JSON.writeValueAsString(JSON.createObjectNode().put("model", "bench").put("prompt", prompt)
          .put("max_tokens", maxTokens).put("temperature", 1.0).put("seed", seed));
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
          + "/v1/completions")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json = JSON.readTree(r.body());
      if (r.statusCode() != 200) {
        throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
      }
      return json.get("usage").get("completion_tokens").asLong();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
