package ai.iro.bench;

import ai.iro.core.model.Sampling;
import ai.iro.core.search.Candidate;
import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.SearchResult;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.ValueStack;
import ai.iro.examples.serve.OpenAiServer;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.openai.Endpoint;
import ai.iro.openai.OpenAiCompatibleModel;
import ai.iro.openai.RetryPolicy;
import ai.iro.openai.Seeding;
import ai.iro.openai.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Chunk-level search through {@code iro serve} on loopback against the same search on the same
 * model in this JVM: CBS (W = 4, K = 4, L = 16, 64 new tokens, 4 prompts per call, no value heads)
 * alternated in one JVM, the served side an {@link OpenAiCompatibleModel} in token mode with
 * {@link Seeding#ROW_STREAMS} calling an {@link OpenAiServer} over the same {@link OnnxCausalLM}.
 * Prints per repetition both wall times, the ratio, the requests made, the chunks an unbounded
 * search could take, and whether both gave the same finals; then the median ratio.
 *
 * <pre>java -cp iro-bench/target/benchmarks.jar ai.iro.bench.RemoteSearchProbe [repetitions] [threads]</pre>
 */
public final class RemoteSearchProbe {
  private RemoteSearchProbe() {}

  public static void main(String[] args) {
    int repetitions = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    Sampling sampling = Sampling.builder().maxNewTokens(64).build();
    List<String> prompts = List.of("And all the days of", "And God said", "Blessed are they", "In the beginning");
    Searcher cbs = Searcher.builder().beamWidth(4).children(4).chunkLength(16).sampling(sampling).build();
    try (OnnxCausalLM lm = BenchModels.load(BenchModels.DEFAULT_MODEL, threads);
        OpenAiServer server = OpenAiServer.builder().model("kjv-tiny", lm).port(0).maxN(16).start()) {
      OpenAiCompatibleModel remote = OpenAiCompatibleModel.builder()
          .endpoint(Endpoint.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").noApiKey()
              .retryPolicy(RetryPolicy.none()).readTimeout(Duration.ofMinutes(2)).build())
          .model("kjv-tiny")
          .tokenizer(Tokenizer.of(lm::encodePrompt, lm::decode, lm.vocabularySize()))
          .seeding(Seeding.ROW_STREAMS)
          .build();
      double[] ratios = new double[repetitions];
      boolean allSame = true;
      for (int rep = -2; rep < repetitions; rep++) {
        long t0 = System.nanoTime();
        SearchOutcome local = cbs.search(lm, ValueStack.empty(), Optional.empty(), prompts, rep);
        long t1 = System.nanoTime();
        long before = remote.usage().requests();
        SearchOutcome served = cbs.search(remote, ValueStack.empty(), Optional.empty(), prompts, rep);
        long t2 = System.nanoTime();
        long requests = remote.usage().requests() - before;
        boolean same = finals(local).equals(finals(served));
        if (rep < 0) {
          continue;
        }
        allSame &= same;
        ratios[rep] = (double) (t2 - t1) / (t1 - t0);
        System.out.printf(Locale.ROOT, "rep %d: local %.1f ms, served %.1f ms, ratio %.3f; %d requests "
                + "(chunks at most %d); same finals: %s%n", rep, (t1 - t0) / 1e6, (t2 - t1) / 1e6, ratios[rep], requests,
            (sampling.maxNewTokens() + 15) / 16, same);
      }
      Arrays.sort(ratios);
      System.out.printf(Locale.ROOT, "median served / local CBS wall-time ratio over %d repetitions: %.3f; "
          + "same finals in every repetition: %s%n", repetitions, ratios[repetitions / 2], allSame);
    }
  }

  private static List<String> finals(SearchOutcome outcome) {
    List<String> out = new ArrayList<>();
    for (SearchResult r : outcome.results()) {
      for (Candidate c : r.finals()) {
        out.add(Arrays.toString(c.tokens()));
      }
    }
    return out;
  }
}
