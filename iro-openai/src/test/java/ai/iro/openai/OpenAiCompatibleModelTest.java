package ai.iro.openai;

import static ai.iro.openai.FakeServer.COMPLETIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.data.ChatMessage;
import ai.iro.core.data.Prompt;
import ai.iro.openai.FakeServer.Fault;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OpenAiCompatibleModelTest {
  private static final RetryPolicy FAST = RetryPolicy.builder().initialBackoff(Duration.ofMillis(1))
      .maxBackoff(Duration.ofMillis(4)).build();
  private static final Sampling PLAIN = Sampling.builder().temperature(1).topP(1).topK(0).maxNewTokens(12).build();
  private static final List<String> PROMPTS = List.of("the cat ", "a dog ", "hi ");

  private final FakeServer server = new FakeServer();
  private final CharTokenizer tokenizer = new CharTokenizer();

  @AfterEach
  void stop() {
    server.close();
  }

  private Endpoint.Builder endpoint() {
    return Endpoint.builder().baseUrl(server.v1()).noApiKey().retryPolicy(FAST);
  }

  private OpenAiCompatibleModel.Builder tokenModel() {
    return OpenAiCompatibleModel.builder().endpoint(endpoint().build()).model("toy").tokenizer(tokenizer);
  }

  private OpenAiCompatibleModel.Builder textModel() {
    return OpenAiCompatibleModel.builder().endpoint(endpoint().build()).model("toy");
  }

  private static int[] repeatEach(int prompts, int times) {
    return IntStream.range(0, prompts * times).map(i -> i / times).toArray();
  }

  private static List<List<Integer>> tokens(Decoding d) {
    List<List<Integer>> out = new ArrayList<>();
    for (int r = 0; r < d.size(); r++) {
      out.add(Arrays.stream(d.responseTokens(r)).boxed().toList());
    }
    return out;
  }

  /** The response tokens of {@link #PROMPTS} after one chunk. */
  private static List<List<Integer>> sample(OpenAiCompatibleModel model, long seed, int chunk) {
    try (Decoding d = model.open(PROMPTS, PLAIN, seed)) {
      d.extend(chunk);
      return tokens(d);
    }
  }

  private static int[] ids(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  private static int[] concat(int[] a, int... b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Replaces choice {@code index}'s tokens and text, and its finish reason. */
  private UnaryOperator<JsonNode> answer(int index, String finish, int... tokenIds) {
    return response -> {
      for (JsonNode c : response.path("choices")) {
        if (c.path("index").asInt() == index) {
          ObjectNode choice = (ObjectNode) c;
          ArrayNode ids = choice.putArray("token_ids");
          Arrays.stream(tokenIds).forEach(ids::add);
          choice.put("text", tokenizer.decode(tokenIds)).put("finish_reason", finish).putNull("stop_reason");
        }
      }
      return response;
    };
  }

  @Test
  void extendSendsOneRequestForTheBatchWithEachStateOnceAndForksAsN() {
    OpenAiCompatibleModel model = tokenModel().build();
    try (Decoding d = model.open(PROMPTS, PLAIN, 7L)) {
      d.reorder(repeatEach(3, 4));
      d.extend(4);
      assertThat(server.bodies(COMPLETIONS)).hasSize(1);
      JsonNode first = server.bodies(COMPLETIONS).get(0);
      assertThat(first.path("prompt")).hasSize(3);
      for (int p = 0; p < 3; p++) {
        assertThat(ids(first.path("prompt").get(p))).containsExactly(tokenizer.encode(PROMPTS.get(p)));
      }
      assertThat(first.path("n").asInt()).isEqualTo(4);
      assertThat(first.path("max_tokens").asInt()).isEqualTo(4);
      assertThat(first.path("return_token_ids").asBoolean()).isTrue();
      assertThat(first.has("seed")).isTrue();
      assertThat(first.has("top_k")).as("top-k 0 is not sent").isFalse();
      for (int r = 0; r < d.size(); r++) {
        assertThat(d.responseLength(r)).as("row %s", r).isEqualTo(4);
      }
      for (int p = 0; p < 3; p++) {
        assertThat(new HashSet<>(tokens(d).subList(4 * p, 4 * p + 4))).as("prompt %s: each fork its own sample", p)
            .hasSize(4);
      }

      Set<String> states = new HashSet<>();
      for (int r = 0; r < d.size(); r++) {
        states.add(d.promptIndex(r) + ":" + Arrays.toString(d.responseTokens(r)));
      }
      int distinct = states.size();
      d.extend(4);
      assertThat(server.bodies(COMPLETIONS)).hasSize(2);
      JsonNode second = server.bodies(COMPLETIONS).get(1);
      assertThat(second.path("prompt")).as("one prompt per distinct state").hasSize(distinct);
      assertThat(d.tokensGenerated()).isEqualTo(12 * 8);
    }
    assertThat(model.usage().requests()).isEqualTo(2);
    assertThat(model.usage().completionTokens()).isEqualTo(12 * 8);
  }

  @Test
  void tokenModeForksContinueTheExactTokensTheServerSampled() {
    int t = CharTokenizer.id('t');
    int h = CharTokenizer.id('h');
    // The server samples 't' then 'h': a token sequence that re-tokenises to the merged "th".
    server.fail(Fault.change(answer(0, "length", t, h)));
    try (Decoding d = tokenModel().build().open(List.of("go "), PLAIN, 1L)) {
      d.extend(2);
      assertThat(d.responseTokens(0)).containsExactly(t, h);
      assertThat(tokenizer.encode(d.responseText(0))).containsExactly(CharTokenizer.TH);
      d.reorder(new int[] {0, 0, 0});
      d.extend(3);
      JsonNode second = server.bodies(COMPLETIONS).get(1);
      assertThat(second.path("prompt")).hasSize(1);
      assertThat(ids(second.path("prompt").get(0))).containsExactly(concat(tokenizer.encode("go "), t, h));
      assertThat(second.path("n").asInt()).isEqualTo(3);
      for (int r = 0; r < 3; r++) {
        assertThat(d.responseTokens(r)).hasSize(5).startsWith(t, h);
      }
      assertThat(new HashSet<>(tokens(d))).as("each fork its own sample").hasSize(3);
    }
  }

  @Test
  void textModeResendsTheTextWhichTheServerTokenisesAnew() {
    server.fail(Fault.change(response -> {
      ((ObjectNode) response.path("choices").get(0)).put("text", "th").put("finish_reason", "length");
      return response;
    }));
    try (Decoding d = textModel().build().open(List.of("go "), PLAIN, 1L)) {
      d.extend(2);
      assertThat(d.responseText(0)).isEqualTo("th");
      assertThat(d.responseTokens(0)).as("text mode: code points").containsExactly('t', 'h');
      d.extend(3);
      JsonNode second = server.bodies(COMPLETIONS).get(1);
      assertThat(second.path("prompt").get(0).asText()).isEqualTo("go th");
      assertThat(second.has("return_token_ids")).isFalse();
      // The caveat: the server reads the merged token, not the 't', 'h' it sampled.
      assertThat(tokenizer.encode(second.path("prompt").get(0).asText())).endsWith(CharTokenizer.TH);
    }
  }

  @Test
  void sameBatchSeedGivesTheSameTokensAndAnotherSeedOthers() {
    List<List<List<Integer>>> runs = new ArrayList<>();
    for (long seed : new long[] {11, 11, 12}) {
      try (Decoding d = tokenModel().build().open(PROMPTS, PLAIN, seed)) {
        d.reorder(repeatEach(3, 2));
        d.extend(3);
        d.reorder(new int[] {0, 0, 2, 3, 3, 5});
        d.extend(3);
        runs.add(tokens(d));
      }
    }
    assertThat(runs.get(1)).isEqualTo(runs.get(0));
    assertThat(runs.get(2)).isNotEqualTo(runs.get(0));
    List<JsonNode> bodies = server.bodies(COMPLETIONS);
    assertThat(bodies.get(2).path("seed")).as("same batch seed, same request seeds").isEqualTo(bodies.get(0).path("seed"));
    assertThat(bodies.get(3).path("seed")).isEqualTo(bodies.get(1).path("seed"));
    assertThat(bodies.get(1).path("seed")).as("each chunk its own seed").isNotEqualTo(bodies.get(0).path("seed"));
  }

  @Test
  void rowsThatSampledTheSameTokensAreSentOnceAndGetDistinctSamples() {
    // Both rows of prompt 0 get the same two tokens; with one seed per request, sending them as two
    // prompts would continue them identically.
    int a = CharTokenizer.id('a');
    server.fail(Fault.change(answer(0, "length", a, a).andThen(answer(1, "length", a, a))::apply));
    try (Decoding d = tokenModel().build().open(List.of("x "), PLAIN, 5L)) {
      d.reorder(new int[] {0, 0});
      d.extend(2);
      assertThat(d.responseTokens(0)).isEqualTo(d.responseTokens(1));
      d.extend(4);
      JsonNode second = server.bodies(COMPLETIONS).get(1);
      assertThat(second.path("prompt")).hasSize(1);
      assertThat(second.path("n").asInt()).isEqualTo(2);
      assertThat(d.responseTokens(0)).isNotEqualTo(d.responseTokens(1));
    }
  }

  @Test
  void distinctStatesInOneRequestShareTheSeedOfEachSampleIndex() {
    // The limit of one seed per request, stated in OpenAiCompatibleModel: sample j of every prompt is
    // drawn with seed + j, so states whose next-token distributions are equal draw equal tokens. The
    // toy model's distribution depends on the last two tokens only, so these prompts look alike to it.
    List<String> alike = List.of("xy ", "zy ");
    try (Decoding d = tokenModel().build().open(alike, PLAIN, 4L)) {
      d.extend(6);
      assertThat(d.responseTokens(0)).isEqualTo(d.responseTokens(1));
    }
    try (Decoding d = tokenModel().seeded(false).build().open(alike, PLAIN, 4L)) {
      d.extend(6);
      assertThat(d.responseTokens(0)).as("server randomness: independent").isNotEqualTo(d.responseTokens(1));
    }
  }

  @Test
  void greedyForksShareOneSample() {
    try (Decoding d = tokenModel().build().open(List.of("x "), Sampling.greedy(8), 5L)) {
      d.reorder(new int[] {0, 0, 0});
      d.extend(4);
      JsonNode body = server.bodies(COMPLETIONS).get(0);
      assertThat(body.path("temperature").asDouble()).isZero();
      assertThat(body.has("n")).isFalse();
      assertThat(body.has("top_p")).isFalse();
      assertThat(d.responseTokens(1)).hasSize(4).isEqualTo(d.responseTokens(0)).isEqualTo(d.responseTokens(2));
      assertThat(d.tokensGenerated()).as("counted per row, as a local model would").isEqualTo(12);
    }
  }

  @Test
  void rowsFinishAtTheLengthLimitAndFinishedRowsAreNotSent() {
    Sampling six = PLAIN.toBuilder().maxNewTokens(6).build();
    try (Decoding d = tokenModel().build().open(PROMPTS, six, 3L)) {
      server.fail(Fault.change(answer(1, "stop", CharTokenizer.id('o'), CharTokenizer.EOS)));
      d.extend(4);
      assertThat(d.finishReason(1)).contains(FinishReason.END_OF_SEQUENCE);
      assertThat(d.responseTokens(1)).as("the server's end-of-sequence id is kept")
          .containsExactly(CharTokenizer.id('o'), CharTokenizer.EOS);
      assertThat(d.responseText(1)).isEqualTo("o");
      assertThat(d.isFinished(0)).isFalse();
      d.extend(4);
      JsonNode second = server.bodies(COMPLETIONS).get(1);
      assertThat(second.path("prompt")).as("the finished row is not sent").hasSize(2);
      assertThat(second.path("max_tokens").asInt()).as("the rows' remaining room").isEqualTo(2);
      assertThat(d.finishReason(0)).contains(FinishReason.LENGTH);
      assertThat(d.responseLength(0)).isEqualTo(6);
      assertThat(d.allFinished()).isTrue();
      d.extend(4);
      assertThat(server.bodies(COMPLETIONS)).as("nothing live, nothing sent").hasSize(2);
    }
  }

  @Test
  void aStopStringAcrossChunksFinishesTheRowRightAfterIt() {
    Sampling stop = PLAIN.toBuilder().stopStrings(List.of("!!")).build();
    server.fail(Fault.change(answer(0, "length", CharTokenizer.id('a'), CharTokenizer.id('!'))),
        Fault.change(answer(0, "length", CharTokenizer.id('!'), CharTokenizer.id('b'))));
    try (Decoding d = tokenModel().build().open(List.of("x "), stop, 3L)) {
      d.extend(2);
      assertThat(d.isFinished(0)).isFalse();
      d.extend(2);
      assertThat(d.finishReason(0)).contains(FinishReason.STOP_STRING);
      assertThat(d.responseText(0)).isEqualTo("a!!");
      assertThat(d.responseLength(0)).isEqualTo(3);
      JsonNode body = server.bodies(COMPLETIONS).get(0);
      assertThat(body.path("stop").get(0).asText()).isEqualTo("!!");
      assertThat(body.path("include_stop_str_in_output").asBoolean()).isTrue();
    }
  }

  @Test
  void textModeKeepsAStopStringTheServerStripped() {
    Sampling stop = PLAIN.toBuilder().stopStrings(List.of("!!")).build();
    server.fail(Fault.change(response -> {
      ((ObjectNode) response.path("choices").get(0)).put("text", "abc").put("finish_reason", "stop")
          .put("stop_reason", "!!");
      return response;
    }));
    try (Decoding d = textModel().build().open(List.of("x "), stop, 3L)) {
      d.extend(8);
      assertThat(d.responseText(0)).isEqualTo("abc!!");
      assertThat(d.finishReason(0)).contains(FinishReason.STOP_STRING);
    }
  }

  @Test
  void logprobsTokenIdsReadTheSameTokens() {
    List<List<Integer>> viaTokenIds = sample(tokenModel().build(), 9L, 5);
    try (Decoding d = tokenModel().tokenIds(TokenIds.LOGPROBS).build().open(PROMPTS, PLAIN, 9L)) {
      d.extend(5);
      JsonNode body = server.bodies(COMPLETIONS).get(1);
      assertThat(body.path("logprobs").asInt()).isZero();
      assertThat(body.path("return_tokens_as_token_ids").asBoolean()).isTrue();
      assertThat(body.has("return_token_ids")).isFalse();
      assertThat(tokens(d)).isEqualTo(viaTokenIds);
    }
  }

  @Test
  void samplingExtensionsAreSentOnlyWhenOn() {
    Sampling s = PLAIN.toBuilder().topK(5).topP(0.9).stopStrings(List.of("\n")).build();
    try (Decoding d = tokenModel().build().open(PROMPTS, s, 1L)) {
      d.extend(1);
    }
    try (Decoding d = tokenModel().samplingExtensions(false).build().open(PROMPTS, s, 1L)) {
      d.extend(1);
    }
    JsonNode on = server.bodies(COMPLETIONS).get(0);
    JsonNode off = server.bodies(COMPLETIONS).get(1);
    assertThat(on.path("top_k").asInt()).isEqualTo(5);
    assertThat(on.path("top_p").asDouble()).isEqualTo(0.9);
    assertThat(on.path("include_stop_str_in_output").asBoolean()).isTrue();
    assertThat(off.has("top_k")).isFalse();
    assertThat(off.has("include_stop_str_in_output")).isFalse();
    assertThat(off.path("stop").get(0).asText()).isEqualTo("\n");
  }

  @Test
  void withoutParallelSamplingEveryRowIsItsOwnUnseededPrompt() {
    assertThatThrownBy(() -> tokenModel().parallelSampling(false).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("seeded(false)");
    try (Decoding d = tokenModel().parallelSampling(false).seeded(false).build().open(List.of("x "), PLAIN, 1L)) {
      d.reorder(new int[] {0, 0, 0});
      d.extend(3);
    }
    JsonNode body = server.bodies(COMPLETIONS).get(0);
    assertThat(body.path("prompt")).hasSize(3);
    assertThat(body.has("n")).isFalse();
    assertThat(body.has("seed")).isFalse();
  }

  @Test
  void thePromptFormatShapesWhatIsSentButNotWhatIsReported() {
    OpenAiCompatibleModel model = tokenModel().promptFormat(p -> "user " + p + "\nassistant ").build();
    try (Decoding d = model.open(List.of("hi"), PLAIN, 1L)) {
      d.extend(1);
      assertThat(d.prompt(0)).isEqualTo("hi");
      assertThat(d.promptIndex(0)).isZero();
    }
    assertThat(ids(server.bodies(COMPLETIONS).get(0).path("prompt").get(0)))
        .containsExactly(tokenizer.encode("user hi\nassistant "));
  }

  @Test
  void theChatFormatRendersWholeConversationsAndTextPromptsAsOneUserMessage() {
    Function<List<ChatMessage>, String> format = messages -> messages.stream()
        .map(m -> m.role() + " " + m.content() + "\n").collect(Collectors.joining()) + "assistant ";
    OpenAiCompatibleModel model = tokenModel().chatFormat(format).build();
    Prompt conversation = Prompt.chat(List.of(ChatMessage.system("s"), ChatMessage.user("a"),
        ChatMessage.assistant("b"), ChatMessage.user("c")), Map.of());
    try (Decoding d = model.openPrompts(List.of(conversation, Prompt.of("hi")), PLAIN, 1L)) {
      d.extend(1);
      assertThat(d.prompt(0)).isEqualTo("c");
      assertThat(d.prompt(1)).isEqualTo("hi");
    }
    JsonNode sent = server.bodies(COMPLETIONS).get(0).path("prompt");
    assertThat(ids(sent.get(0))).containsExactly(tokenizer.encode("system s\nuser a\nassistant b\nuser c\nassistant "));
    assertThat(ids(sent.get(1))).containsExactly(tokenizer.encode("user hi\nassistant "));
    try (Decoding d = model.toBuilder().build().openPrompts(List.of(conversation), PLAIN, 1L)) {
      d.extend(1);
    }
    assertThat(ids(server.bodies(COMPLETIONS).get(1).path("prompt").get(0))).as("toBuilder keeps the chat format")
        .containsExactly(ids(sent.get(0)));

    assertThatThrownBy(() -> tokenModel().build().openPrompts(List.of(Prompt.of("x"), conversation), PLAIN, 1L))
        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("prompt 1 is a conversation of 4")
        .hasMessageContaining("chatFormat");
    assertThatThrownBy(() -> tokenModel().chatFormat(format).promptFormat(p -> p).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
  }

  @Test
  void stopTokenIdsAreSentAsVllmsStopTokenIdsAndNeedTheExtensions() {
    Sampling stopping = PLAIN.toBuilder().stopTokenIds(List.of(CharTokenizer.id('q'), CharTokenizer.id('z'))).build();
    try (Decoding d = tokenModel().build().open(List.of("hi"), stopping, 1L)) {
      d.extend(1);
    }
    assertThat(ids(server.bodies(COMPLETIONS).get(0).path("stop_token_ids")))
        .containsExactly(CharTokenizer.id('q'), CharTokenizer.id('z'));
    assertThatThrownBy(() -> tokenModel().samplingExtensions(false).build().open(List.of("hi"), stopping, 1L))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("samplingExtensions(true)");
    try (Decoding d = tokenModel().build().open(List.of("hi"), PLAIN, 1L)) {
      d.extend(1);
    }
    assertThat(server.bodies(COMPLETIONS).get(1).has("stop_token_ids")).isFalse();
  }

  @Test
  void aSharedModelKeepsAtMostMaxConcurrentRequestsInFlight() throws Exception {
    for (int i = 0; i < 6; i++) {
      server.fail(Fault.delay(Duration.ofMillis(150)));
    }
    OpenAiCompatibleModel model = OpenAiCompatibleModel.builder().model("toy").tokenizer(tokenizer)
        .endpoint(endpoint().maxConcurrentRequests(2).build()).build();
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<List<List<Integer>>>> runs = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        long seed = i;
        runs.add(pool.submit(() -> sample(model, seed, 2)));
      }
      for (Future<List<List<Integer>>> run : runs) {
        assertThat(run.get(30, TimeUnit.SECONDS)).hasSize(PROMPTS.size());
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(server.mostInFlight()).isEqualTo(2);
    assertThat(model.usage().requests()).isEqualTo(6);
  }

  // ---- Faults ----

  @Test
  void retriesServerErrorsTimeoutsAndCutConnectionsAndGetsTheSameAnswer() {
    List<List<Integer>> clean = sample(tokenModel().build(), 21L, 4);
    server.fail(Fault.status(500, "{\"error\":{\"message\":\"boom\"}}"), Fault.status(503, "busy"), Fault.cut(),
        Fault.delay(Duration.ofMillis(1500)));
    OpenAiCompatibleModel model = OpenAiCompatibleModel.builder().model("toy").tokenizer(tokenizer)
        .endpoint(endpoint().readTimeout(Duration.ofMillis(300)).build()).build();
    assertThat(sample(model, 21L, 4)).isEqualTo(clean);
    assertThat(model.usage().requests()).isEqualTo(1);
    assertThat(model.usage().attempts()).isEqualTo(5);
    assertThat(server.bodies(COMPLETIONS)).hasSize(6);
  }

  @Test
  void honoursRetryAfter() {
    FakeTicker ticker = new FakeTicker();
    server.fail(Fault.tooManyRequests("7"));
    OpenAiCompatibleModel model = tokenModel().ticker(ticker).build();
    try (Decoding d = model.open(PROMPTS, PLAIN, 1L)) {
      d.extend(2);
      assertThat(d.responseLength(0)).isEqualTo(2);
    }
    assertThat(ticker.sleeps()).containsExactly(Duration.ofSeconds(7));
  }

  @Test
  void retriesStopAtMaxAttemptsWithTheLastErrorAndLeaveTheBatchUnchanged() {
    for (int i = 0; i < 5; i++) {
      server.fail(Fault.status(503, "{\"error\":{\"message\":\"engine overloaded\"}}"));
    }
    OpenAiCompatibleModel model = OpenAiCompatibleModel.builder().model("toy").tokenizer(tokenizer)
        .endpoint(endpoint().retryPolicy(FAST.toBuilder().maxAttempts(3).build()).build()).build();
    try (Decoding d = model.open(PROMPTS, PLAIN, 1L)) {
      assertThatThrownBy(() -> d.extend(2)).isInstanceOfSatisfying(ServerException.class, e -> {
        assertThat(e.attempts()).isEqualTo(3);
        assertThat(e.status()).hasValue(503);
        assertThat(e.getMessage()).contains("failed 3 times", "HTTP 503", "engine overloaded", "/v1/completions");
      });
      assertThat(d.responseLength(0)).isZero();
      assertThat(d.isFinished(0)).isFalse();
      assertThat(d.tokensGenerated()).isZero();
    }
    assertThat(server.bodies(COMPLETIONS)).hasSize(3);
  }

  @Test
  void retriesStopWhenTheNextWaitWouldPassMaxElapsed() {
    FakeTicker ticker = new FakeTicker();
    RetryPolicy policy = RetryPolicy.builder().maxAttempts(50).initialBackoff(Duration.ofSeconds(4))
        .maxBackoff(Duration.ofSeconds(8)).maxElapsed(Duration.ofSeconds(20)).build();
    for (int i = 0; i < 50; i++) {
      server.fail(Fault.status(502, "bad gateway"));
    }
    OpenAiCompatibleModel model = OpenAiCompatibleModel.builder().model("toy").tokenizer(tokenizer).ticker(ticker)
        .endpoint(endpoint().retryPolicy(policy).build()).build();
    try (Decoding d = model.open(PROMPTS, PLAIN, 1L)) {
      assertThatThrownBy(() -> d.extend(2)).isInstanceOf(ServerException.class)
          .hasMessageContaining("maxElapsed of PT20S").hasMessageContaining("HTTP 502: bad gateway");
    }
    long waited = ticker.sleeps().stream().mapToLong(Duration::toNanos).sum();
    assertThat(Duration.ofNanos(waited)).isLessThanOrEqualTo(Duration.ofSeconds(20));
    assertThat(ticker.sleeps()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(server.bodies(COMPLETIONS)).hasSize(ticker.sleeps().size() + 1);
    // Waits double from the initial backoff (each between half and all of it) up to the cap.
    assertThat(ticker.sleeps().get(0)).isBetween(Duration.ofSeconds(2), Duration.ofSeconds(4));
    assertThat(ticker.sleeps().get(1)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
  }

  @Test
  void aRetryAfterBeyondMaxElapsedFailsAtOnce() {
    FakeTicker ticker = new FakeTicker();
    server.fail(Fault.tooManyRequests("600"));
    OpenAiCompatibleModel model = tokenModel().ticker(ticker).build();
    try (Decoding d = model.open(PROMPTS, PLAIN, 1L)) {
      assertThatThrownBy(() -> d.extend(2)).isInstanceOfSatisfying(ServerException.class, e -> {
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(e.status()).hasValue(429);
        assertThat(e.getMessage()).contains("PT10M (Retry-After)", "rate limited");
      });
    }
    assertThat(ticker.sleeps()).isEmpty();
  }

  @Test
  void aBadRequestFailsAtOnceWithTheServersMessage() {
    server.fail(Fault.status(400, "{\"object\":\"error\",\"message\":\"This model's maximum context length is 2048"
        + " tokens. However, you requested 4000 tokens\",\"type\":\"BadRequestError\",\"code\":400}"));
    try (Decoding d = tokenModel().build().open(PROMPTS, PLAIN, 1L)) {
      assertThatThrownBy(() -> d.extend(2)).isInstanceOfSatisfying(ServerException.class, e -> {
        assertThat(e).isNotInstanceOf(InvalidResponseException.class);
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(e.status()).hasValue(400);
        assertThat(e.getMessage()).contains("refused with HTTP 400", "maximum context length is 2048 tokens");
      });
    }
    assertThat(server.bodies(COMPLETIONS)).hasSize(1);
  }

  @Test
  void theApiKeyIsSentButNeverShown() {
    String key = "sk-test-SECRET-123";
    Endpoint endpoint = endpoint().apiKey(key).build();
    OpenAiCompatibleModel model = OpenAiCompatibleModel.builder().endpoint(endpoint).model("toy").build();
    server.fail(Fault.status(401, "{\"error\":{\"message\":\"Incorrect API key provided: " + key + "\"}}"));
    try (Decoding d = model.open(PROMPTS, PLAIN, 1L)) {
      assertThatThrownBy(() -> d.extend(2)).isInstanceOfSatisfying(ServerException.class, e -> {
        assertThat(e.getMessage()).contains("HTTP 401", "Incorrect API key provided: ***").doesNotContain(key);
        assertThat(e.toString()).doesNotContain(key);
      });
    }
    assertThat(server.requests().get(0).authorization()).isEqualTo("Bearer " + key);
    assertThat(endpoint.toString()).doesNotContain(key).contains("apiKey=<given>");
    assertThat(model.toString()).doesNotContain(key);
    assertThat(endpoint.toBuilder().build().toString()).doesNotContain(key);

    Endpoint fromEnvironment = Endpoint.builder().baseUrl(server.v1()).apiKeyFromEnvironment("VLLM_API_KEY")
        .environment(name -> name.equals("VLLM_API_KEY") ? key : null).build();
    assertThat(fromEnvironment.hasApiKey()).isTrue();
    assertThat(fromEnvironment.toString()).doesNotContain(key)
        .contains("apiKey=<from environment variable VLLM_API_KEY>");
    assertThatThrownBy(() -> Endpoint.builder().baseUrl(server.v1()).apiKeyFromEnvironment("VLLM_API_KEY")
        .environment(name -> null).build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("VLLM_API_KEY");
    assertThat(Endpoint.builder().baseUrl(server.v1()).environment(name -> null).build().hasApiKey())
        .as("the default variable is optional").isFalse();
    assertThatThrownBy(() -> Endpoint.builder().baseUrl("http://user:" + key + "@localhost:8000/v1"))
        .isInstanceOf(IllegalArgumentException.class).message().doesNotContain(key);
  }

  // ---- Answers that break the protocol ----

  private void assertInvalid(UnaryOperator<JsonNode> change, String... message) {
    server.fail(Fault.change(change));
    try (Decoding d = tokenModel().build().open(PROMPTS, PLAIN, 1L)) {
      d.reorder(repeatEach(3, 2));
      assertThatThrownBy(() -> d.extend(2)).isInstanceOf(InvalidResponseException.class).hasMessageContaining(message[0])
          .hasMessageContaining(message.length > 1 ? message[1] : message[0]);
      for (int r = 0; r < d.size(); r++) {
        assertThat(d.responseLength(r)).as("never a partial batch").isZero();
      }
      assertThat(d.tokensGenerated()).isZero();
    }
  }

  @Test
  void aMissingChoiceIsAClearError() {
    assertInvalid(response -> {
      ((ArrayNode) response.path("choices")).remove(4);
      return response;
    }, "answered with 5 choices for 3 prompts and n = 2: expected 6");
  }

  @Test
  void aChoiceNumberedTwiceIsAClearError() {
    assertInvalid(response -> {
      ((ObjectNode) response.path("choices").get(1)).put("index", 0);
      return response;
    }, "choice index 0 twice");
  }

  @Test
  void anOutOfVocabularyTokenIdIsAClearError() {
    assertInvalid(response -> {
      ((ArrayNode) response.path("choices").get(3).path("token_ids")).set(0, 999);
      return response;
    }, "choice 3 has token id 999, outside the tokenizer's vocabulary of " + CharTokenizer.VOCABULARY + " ids");
  }

  @Test
  void missingTokenIdsAreAClearError() {
    assertInvalid(response -> {
      ((ObjectNode) response.path("choices").get(2)).remove("token_ids");
      return response;
    }, "choice 2 carries no token ids", "vLLM >= 0.10.2");
  }

  @Test
  void moreTokenIdsThanAskedForAreAClearError() {
    assertInvalid(response -> {
      ((ArrayNode) response.path("choices").get(0).path("token_ids")).add(1).add(2);
      return response;
    }, "choice 0 has 4 token ids, more than max_tokens = 2");
  }

  @Test
  void aMissingOrUnknownFinishReasonIsAClearError() {
    assertInvalid(response -> {
      ((ObjectNode) response.path("choices").get(1)).remove("finish_reason");
      return response;
    }, "choice 1 has finish_reason");
    assertInvalid(response -> {
      ((ObjectNode) response.path("choices").get(1)).put("finish_reason", "abort");
      return response;
    }, "finish_reason \"abort\"");
  }

  @Test
  void aBodyThatIsNotJsonIsAClearError() {
    server.fail(Fault.status(200, "<html>gateway</html>"));
    try (Decoding d = tokenModel().build().open(PROMPTS, PLAIN, 1L)) {
      assertThatThrownBy(() -> d.extend(2)).isInstanceOf(InvalidResponseException.class)
          .hasMessageContaining("not JSON: <html>gateway</html>");
    }
  }

  // ---- Contract ----

  @Test
  void arguments() {
    OpenAiCompatibleModel model = tokenModel().build();
    assertThatThrownBy(() -> model.open(List.of(), PLAIN, 1L)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> model.open(List.of(""), PLAIN, 1L)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prompt 0 encodes to no tokens");
    assertThatThrownBy(() -> OpenAiCompatibleModel.builder().model("toy").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("endpoint");
    assertThatThrownBy(() -> OpenAiCompatibleModel.builder().endpoint(endpoint().build()).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("model");
    assertThatThrownBy(() -> Endpoint.of("ftp://host/v1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("scheme ftp");
    Decoding d = model.open(PROMPTS, PLAIN, 1L);
    assertThatThrownBy(() -> d.extend(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.reorder(new int[] {3})).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row 3 out of range");
    assertThatThrownBy(() -> d.reorder(new int[0])).isInstanceOf(IllegalArgumentException.class);
    assertThat(d.features()).isEmpty();
    assertThat(d.candidates(4)).isEmpty();
    d.close();
    d.close();
    assertThatThrownBy(d::size).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> d.extend(1)).isInstanceOf(IllegalStateException.class);
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void decodeReadsTokensOrCodePoints() {
    assertThat(tokenModel().build().decode(new int[] {CharTokenizer.TH, CharTokenizer.id('e'), CharTokenizer.EOS}))
        .isEqualTo("the");
    assertThat(textModel().build().decode("héllo 🙂".codePoints().toArray())).isEqualTo("héllo 🙂");
    assertThat(textModel().build().isTokenMode()).isFalse();
  }

  @Test
  void textModeCountsServerTokensAgainstTheLimit() {
    Sampling four = PLAIN.toBuilder().maxNewTokens(4).build();
    try (Decoding d = textModel().build().open(List.of("x "), four, 2L)) {
      d.extend(4);
      assertThat(d.finishReason(0)).contains(FinishReason.LENGTH);
      assertThat(d.tokensGenerated()).isEqualTo(4);
      assertThat(d.responseText(0)).hasSize(d.responseLength(0));
    }
    Set<String> fields = new HashSet<>();
    server.bodies(COMPLETIONS).get(0).fieldNames().forEachRemaining(fields::add);
    assertThat(fields).doesNotContain("return_token_ids", "logprobs");
  }
}
