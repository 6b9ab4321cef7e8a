package ai.iro.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.Aligner;
import ai.iro.core.AlignmentListener;
import ai.iro.core.IterationMetrics;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.core.resample.Resamplers;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Candidate;
import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.SearchResult;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.ValueStack;
import ai.iro.core.value.ValueFunction;
import ai.iro.examples.ShippedModel;
import ai.iro.onnx.features.TextFeatures;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.text.SentenceEncoder;
import ai.iro.onnx.value.MlpValueHead;
import ai.iro.onnx.value.MlpValueTrainer;
import ai.iro.openai.Endpoint;
import ai.iro.openai.OpenAiCompatibleModel;
import ai.iro.openai.RetryPolicy;
import ai.iro.openai.Seeding;
import ai.iro.openai.ServerException;
import ai.iro.openai.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OpenAiCompatibleModel} in token mode against {@code iro serve}'s {@link OpenAiServer} on
 * loopback, over the shipped model: the same searches and the same {@code align} as on the local
 * {@link OnnxCausalLM}, token for token, one request per chunk per batch, through injected faults
 * and a server that dies and comes back.
 */
class RemoteEquivalenceTest {
  private static final String NAME = "kjv-tiny";
  private static final List<String> PROMPTS = List.of("And God said", "In the beginning", "The LORD is my",
      "Blessed are they");
  private static final RetryPolicy FAST = RetryPolicy.builder().maxAttempts(8).initialBackoff(Duration.ofMillis(1))
      .maxBackoff(Duration.ofMillis(5)).build();

  @TempDir
  static Path tmp;
  private static OnnxCausalLM lm;
  private static OpenAiServer server;
  private static SentenceEncoder encoder;

  @BeforeAll
  static void start() throws IOException {
    lm = OnnxCausalLM.load(ShippedModel.directory());
    server = OpenAiServer.builder().model(NAME, lm).port(0).start();
    encoder = SentenceEncoder.builder().modelFile(copy("all-minilm-l6-v2-q.onnx", "model.onnx"))
        .tokenizerFile(copy("all-minilm-l6-v2-q-tokenizer.json", "tokenizer.json")).build();
  }

  private static Path copy(String resource, String name) throws IOException {
    try (InputStream in = RemoteEquivalenceTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as("classpath resource %s (langchain4j's all-MiniLM-L6-v2 jar)", resource).isNotNull();
      Path target = tmp.resolve(name);
      Files.copy(in, target);
      return target;
    }
  }

  @AfterAll
  static void stop() {
    server.close();
    encoder.close();
    lm.close();
  }

  /** The served model in token mode, its prompts encoded as the server's model encodes them (BOS first). */
  static OpenAiCompatibleModel remote(String v1, RetryPolicy retry, Duration readTimeout) {
    return OpenAiCompatibleModel.builder()
        .endpoint(Endpoint.builder().baseUrl(v1).noApiKey().retryPolicy(retry).readTimeout(readTimeout).build())
        .model(NAME)
        .tokenizer(Tokenizer.of(lm::encodePrompt, lm::decode, lm.vocabularySize()))
        .seeding(Seeding.ROW_STREAMS)
        .build();
  }

  private static String v1() {
    return "http://127.0.0.1:" + server.port() + "/v1";
  }

  /** Scores a state by its text, so that the search's survivors depend on what was sampled. */
  private static final ValueFunction VOWELS = states -> states.states().stream()
      .mapToDouble(s -> s.responseText().chars().filter(c -> "aeiou".indexOf(c) >= 0).count()
          - 0.3 * s.responseLength())
      .toArray();

  /** Every final of every prompt: its tokens, its finish reason, and the pick. */
  private static List<String> finals(SearchOutcome outcome) {
    List<String> out = new ArrayList<>();
    for (SearchResult r : outcome.results()) {
      for (Candidate c : r.finals()) {
        out.add(r.prompt() + " | " + Arrays.toString(c.tokens()) + " " + c.finishReason());
      }
      out.add("pick " + r.chosenIndex());
    }
    return out;
  }

  private static void assertSearchesAgree(Searcher searcher, long seed) {
    ValueStack values = ValueStack.empty().with(VOWELS, 1.0);
    CountingModel local = new CountingModel(lm);
    OpenAiCompatibleModel remote = remote(v1(), RetryPolicy.none(), Duration.ofSeconds(60));
    List<String> expected = finals(searcher.search(local, values, Optional.empty(), PROMPTS, seed));
    List<String> actual = finals(searcher.search(remote, values, Optional.empty(), PROMPTS, seed));
    assertThat(actual).as("%s, seed %s", searcher, seed).containsExactlyElementsOf(expected);
    assertThat(remote.usage().requests()).as("one request per chunk per batch").isEqualTo(local.liveExtends());
    assertThat(remote.usage().attempts()).isEqualTo(remote.usage().requests());
  }

  @Test
  void greedySearchThroughServeGivesTheLocalFinals() {
    Sampling greedy = Sampling.builder().temperature(0).maxNewTokens(12).build();
    for (int w = 2; w <= 4; w++) {
      assertSearchesAgree(Searcher.builder().beamWidth(w).children(2).chunkLength(4).sampling(greedy).build(), 5);
    }
  }

  @Test
  void sampledSearchThroughServeGivesTheLocalFinals() {
    int[][] settings = {{2, 2, 3}, {3, 2, 4}, {4, 3, 5}, {2, 4, 2}};
    long seed = 11;
    for (int[] wkl : settings) {
      Sampling sampling = Sampling.builder().temperature(1).topP(0.95).topK(40).maxNewTokens(12).build();
      assertSearchesAgree(Searcher.builder().beamWidth(wkl[0]).children(wkl[1]).chunkLength(wkl[2])
          .sampling(sampling).build(), seed++);
    }
  }

  @Test
  void multinomialSearchWhoseSurvivorsRepeatThroughServeGivesTheLocalFinals() {
    // Survivors drawn with replacement: one state forked 2K times beside others forked K times.
    Sampling sampling = Sampling.builder().temperature(1).maxNewTokens(12).build();
    assertSearchesAgree(Searcher.builder().beamWidth(3).children(2).chunkLength(3)
        .resampler(Resamplers.multinomial(0.2)).sampling(sampling).build(), 31);
  }

  @Test
  void forksInAnyRowOrderSampleTheLocalTokens() {
    Sampling sampling = Sampling.builder().temperature(1).maxNewTokens(12).build();
    int[][] orders = {{0, 0, 1, 0, 2, 2, 2}, {6, 5, 5, 0, 3, 3}, {1, 1, 1, 1, 4, 4}};
    OpenAiCompatibleModel remote = remote(v1(), RetryPolicy.none(), Duration.ofSeconds(60));
    try (Decoding local = lm.open(PROMPTS.subList(0, 3), sampling, 3);
        Decoding served = remote.open(PROMPTS.subList(0, 3), sampling, 3)) {
      for (int[] order : orders) {
        local.extend(3);
        served.extend(3);
        local.reorder(order);
        served.reorder(order);
      }
      local.extend(3);
      served.extend(3);
      for (int r = 0; r < local.size(); r++) {
        assertThat(served.responseTokens(r)).as("row %s", r).containsExactly(local.responseTokens(r));
      }
    }
    assertThat(remote.usage().requests()).isEqualTo(orders.length + 1);
  }

  @Test
  void sampledSearchWithAStopStringThroughServeGivesTheLocalFinals() {
    Sampling sampling = Sampling.builder().temperature(1).maxNewTokens(16).stopStrings(List.of(",")).build();
    assertSearchesAgree(Searcher.builder().beamWidth(3).children(2).chunkLength(3).sampling(sampling).build(), 21);
  }

  private static final List<String> ALIGN_PROMPTS = IntStream.range(0, 6)
      .mapToObj(i -> List.of("And God said", "In the beginning", "The LORD is my", "Blessed are they",
          "And it came to pass", "Thus saith the LORD").get(i))
      .toList();

  private static Aligner aligner(BaseModel model, Path checkpoints, AlignmentListener listener) {
    FeatureSource features = new TextFeatures("all-minilm-l6-v2-q", encoder, lm::decode);
    return Aligner.builder()
        .baseModel(model)
        .reward(RewardModel.of("count-e-v1", (prompt, response) -> response.chars().filter(c -> c == 'e').count()))
        .valueTrainer(MlpValueTrainer.builder().features(features).hiddenSizes(16).epochs(2).minStepsPerEpoch(10)
            .build())
        .iterations(2)
        .searcher(Searcher.builder().beamWidth(2).children(2).chunkLength(4).maxNewTokens(8).build())
        .initialSamples(4)
        .batchSize(3)
        .seed(7)
        .checkpointDirectory(checkpoints)
        .listener(listener)
        .valueLoaders(List.of(MlpValueHead.loader(features)))
        .build();
  }

  /** What makes two aligned policies the same: every file of their checkpoints, and what they generate. */
  private static TreeMap<String, String> policy(AlignedPolicy policy, Path checkpoints) throws IOException {
    TreeMap<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(checkpoints)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
        out.put(checkpoints.relativize(f).toString(), f.endsWith("manifest.json") ? comparable(content) : content);
      }
    }
    out.put("generated", String.join(" | ", policy.withSearcher(policy.searcher()).search(PROMPTS, 3).results()
        .stream().map(SearchResult::text).toList()));
    return out;
  }

  /**
   * A manifest without what differs between two runs of one alignment: the wall time, and the
   * validation loss past 12 digits (ND4J's reductions do not fix their order; the weights files,
   * compared byte for byte, show the training itself equal).
   */
  private static String comparable(String manifest) {
    Matcher m = Pattern.compile("\"valueLoss\" : ([-0-9.Ee]+)").matcher(manifest.replaceAll("\"wallTimeMillis\" : \\d+", ""));
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, "\"valueLoss\" : " + String.format(Locale.ROOT, "%.12g", Double.parseDouble(m.group(1))));
    }
    return m.appendTail(out).toString();
  }

  private static TreeMap<String, String> localAlign() throws IOException {
    Path dir = Files.createTempDirectory(tmp, "local");
    CountingModel local = new CountingModel(lm);
    AlignedPolicy policy = aligner(local, dir, new AlignmentListener() {}).align(PromptDataset.of(ALIGN_PROMPTS));
    TreeMap<String, String> out = policy(policy, dir);
    out.put("live extends", Integer.toString(local.liveExtends()));
    return out;
  }

  private static TreeMap<String, String> localPolicy;

  private static synchronized TreeMap<String, String> expectedPolicy() throws IOException {
    if (localPolicy == null) {
      localPolicy = localAlign();
    }
    return localPolicy;
  }

  @Test
  void alignThroughServeEqualsTheLocalAlign() throws IOException {
    Path dir = Files.createTempDirectory(tmp, "remote");
    OpenAiCompatibleModel remote = remote(v1(), RetryPolicy.none(), Duration.ofSeconds(60));
    AlignedPolicy policy = aligner(remote, dir, new AlignmentListener() {}).align(PromptDataset.of(ALIGN_PROMPTS));
    TreeMap<String, String> expected = expectedPolicy();
    TreeMap<String, String> actual = policy(policy, dir);
    assertThat(actual.keySet()).containsAll(expected.keySet().stream().filter(k -> !k.equals("live extends")).toList());
    assertThat(actual.keySet()).anyMatch(k -> k.contains("value-2"));
    actual.forEach((k, v) -> assertThat(v).as(k).isEqualTo(expected.get(k)));
    assertThat(remote.usage().requests()).as("one request per chunk per batch, over both iterations")
        .isEqualTo(Long.parseLong(expected.get("live extends")));
  }

  @Test
  void alignThroughInjectedFaultsEqualsTheLocalAlign() throws IOException {
    Path dir = Files.createTempDirectory(tmp, "faults");
    try (FaultProxy proxy = new FaultProxy("http://127.0.0.1:" + server.port(), 0.4, Duration.ofMillis(2500), 17)) {
      OpenAiCompatibleModel remote = remote(proxy.v1(), FAST, Duration.ofSeconds(2));
      AlignedPolicy policy = aligner(remote, dir, new AlignmentListener() {}).align(PromptDataset.of(ALIGN_PROMPTS));
      TreeMap<String, String> actual = policy(policy, dir);
      TreeMap<String, String> expected = expectedPolicy();
      actual.forEach((k, v) -> assertThat(v).as(k).isEqualTo(expected.get(k)));
      int faults = 0;
      for (FaultProxy.Fault f : FaultProxy.Fault.values()) {
        assertThat(proxy.faults(f)).as("requests failed with %s", f).isPositive();
        faults += proxy.faults(f);
      }
      // A forwarded request answered after the client's read timeout (a busy machine) is tried again.
      assertThat(proxy.forwarded()).isGreaterThanOrEqualTo((int) remote.usage().requests());
      assertThat(remote.usage().attempts()).isEqualTo(proxy.forwarded() + faults);
    }
  }

  @Test
  void aServerThatDiesMidRunFailsNamingItsUrlAndTheCheckpointedRunResumesOnceItIsBack() throws IOException {
    Path dir = Files.createTempDirectory(tmp, "dies");
    try (OpenAiServer dying = OpenAiServer.builder().model(NAME, lm).port(0).start()) {
      int port = dying.port();
      String v1 = "http://127.0.0.1:" + port + "/v1";
      RetryPolicy twice = RetryPolicy.builder().maxAttempts(2).initialBackoff(Duration.ofMillis(1))
          .maxBackoff(Duration.ofMillis(1)).build();
      AlignmentListener killAfterFirst = new AlignmentListener() {
        @Override
        public void onIterationEnd(IterationMetrics metrics) {
          dying.close();
        }
      };
      assertThatThrownBy(() -> aligner(remote(v1, twice, Duration.ofSeconds(5)), dir, killAfterFirst)
          .align(PromptDataset.of(ALIGN_PROMPTS)))
          .isInstanceOf(ServerException.class)
          .hasMessageContaining("POST " + v1 + "/completions")
          .hasMessageContaining("failed 2 times");
      assertThat(dir.resolve("value-1")).exists();
      try (OpenAiServer back = OpenAiServer.builder().model(NAME, lm).port(port).start()) {
        int[] resumed = {-1};
        AlignmentListener onResume = new AlignmentListener() {
          @Override
          public void onResume(int completed) {
            resumed[0] = completed;
          }
        };
        AlignedPolicy policy = aligner(remote(v1, twice, Duration.ofSeconds(5)), dir, onResume)
            .align(PromptDataset.of(ALIGN_PROMPTS));
        assertThat(resumed[0]).as("iterations resumed from the checkpoint").isEqualTo(1);
        TreeMap<String, String> actual = policy(policy, dir);
        TreeMap<String, String> expected = expectedPolicy();
        actual.forEach((k, v) -> assertThat(v).as(k).isEqualTo(expected.get(k)));
      }
    }
  }
}
