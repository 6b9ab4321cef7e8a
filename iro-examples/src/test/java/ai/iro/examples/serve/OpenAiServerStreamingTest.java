package ai.iro.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.examples.ChatModelFixture;
import ai.iro.examples.ShippedModel;
import ai.iro.onnx.chat.ChatTemplate;
import ai.iro.onnx.lm.OnnxCausalLM;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code iro serve}'s streaming (server-sent events, read by the OpenAI Java SDK) and its batching of
 * concurrent requests: neither may change an answer.
 */
class OpenAiServerStreamingTest {
  private static final String BASE = "kjv-tiny";
  private static final List<String> PROMPTS = List.of("In the beginning", "And God said");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static OnnxCausalLM lm;
  private static OpenAiServer server;
  private static OpenAIClient client;

  @BeforeAll
  static void start() {
    lm = OnnxCausalLM.load(ShippedModel.directory());
    server = OpenAiServer.builder().model(BASE, lm).port(0).start();
    client = client(server);
  }

  @AfterAll
  static void stop() {
    server.close();
    lm.close();
  }

  private static OpenAIClient client(OpenAiServer s) {
    return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + s.port() + "/v1").apiKey("unused")
        .maxRetries(0).build();
  }

  private static CompletionCreateParams.Builder params(long seed, long n) {
    return CompletionCreateParams.builder().model(BASE).promptOfArrayOfStrings(PROMPTS).maxTokens(24L).n(n).seed(seed);
  }

  /** Each choice's concatenated text pieces, its finish reason, and how many pieces it came in. */
  private record Streamed(List<StringBuilder> texts, List<String> finish, int[] pieces, Optional<CompletionUsage> usage) {}

  private static Streamed stream(OpenAIClient c, CompletionCreateParams params, int choices) {
    Streamed s = new Streamed(new ArrayList<>(), new ArrayList<>(), new int[choices], Optional.empty());
    for (int i = 0; i < choices; i++) {
      s.texts().add(new StringBuilder());
      s.finish().add(null);
    }
    List<CompletionUsage> usage = new ArrayList<>();
    try (StreamResponse<Completion> chunks = c.completions().createStreaming(params)) {
      chunks.stream().forEach(chunk -> {
        chunk.usage().ifPresent(usage::add);
        for (CompletionChoice choice : chunk.choices()) {
          int i = (int) choice.index();
          s.texts().get(i).append(choice.text());
          if (!choice.text().isEmpty()) {
            s.pieces()[i]++;
          }
          choice._finishReason().asKnown().ifPresent(f -> s.finish().set(i, f.asString()));
        }
      });
    }
    return new Streamed(s.texts(), s.finish(), s.pieces(), usage.stream().reduce((a, b) -> b));
  }

  private static List<String> texts(Completion c) {
    return c.choices().stream().map(CompletionChoice::text).toList();
  }

  private static List<String> finishes(Completion c) {
    return c.choices().stream().map(ch -> ch.finishReason().asString()).toList();
  }

  @Test
  void streamedCompletionsAddUpToTheUnstreamedOnesTokenByToken() {
    Completion whole = client.completions().create(params(7, 3).build());
    Streamed streamed = stream(client, params(7, 3).build(), 6);
    assertThat(streamed.texts()).map(StringBuilder::toString).containsExactlyElementsOf(texts(whole));
    assertThat(streamed.finish()).containsExactlyElementsOf(finishes(whole));
    // Streamed as decoded, not in one piece at the end.
    assertThat(streamed.pieces()[0]).isGreaterThan(3);
    assertThat(streamed.usage()).isEmpty();
  }

  @Test
  void streamedCompletionsWithAStopStringAddUpToTheTrimmedText() {
    String text = texts(client.completions().create(params(8, 1).build())).get(0);
    assertThat(text.length()).isGreaterThan(10);
    String stop = text.substring(6, 9);
    Completion whole = client.completions().create(params(8, 2).stop(stop).build());
    Streamed streamed = stream(client, params(8, 2).stop(stop).build(), 4);
    assertThat(texts(whole).get(0)).isEqualTo(text.substring(0, text.indexOf(stop)));
    assertThat(streamed.texts()).map(StringBuilder::toString).containsExactlyElementsOf(texts(whole));
    assertThat(streamed.finish()).containsExactlyElementsOf(finishes(whole));
  }

  @Test
  void includeUsageAddsAFinalUsageChunk() {
    Completion whole = client.completions().create(params(9, 2).build());
    Streamed streamed = stream(client, params(9, 2)
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build(), 4);
    assertThat(streamed.usage()).hasValue(whole.usage().orElseThrow());
  }

  @Test
  void theStreamIsServerSentEventsEndingInDone() throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"kjv-tiny\", \"prompt\": \"And\", \"max_tokens\": 3, "
            + "\"stream\": true}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
    String[] events = r.body().split("\n\n");
    assertThat(events[events.length - 1]).isEqualTo("data: [DONE]");
    for (int i = 0; i < events.length - 1; i++) {
      assertThat(events[i]).startsWith("data: {");
      assertThat(JSON.readTree(events[i].substring(6)).get("object").asText()).isEqualTo("text_completion");
    }
    HttpResponse<String> bad = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"kjv-tiny\", \"prompt\": \"And\", \"stream\": \"yes\"}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(bad.body()).get("error").get("message").asText()).contains("stream");
  }

  @Test
  void streamedTokenIdPromptsAddUpToTheUnstreamedAnswerAndEndWithTheirIds() throws Exception {
    String body = "{\"model\": \"kjv-tiny\", \"prompt\": [" + tokens("And God said") + ", "
        + tokens("In the beginning") + "], \"max_tokens\": 12, \"n\": 2, \"seed\": 5, \"return_token_ids\": true";
    JsonNode whole = JSON.readTree(post(body + "}")).get("choices");
    String[] events = post(body + ", \"stream\": true}").split("\n\n");
    List<StringBuilder> texts = List.of(new StringBuilder(), new StringBuilder(), new StringBuilder(),
        new StringBuilder());
    JsonNode[] ends = new JsonNode[4];
    for (int e = 0; e < events.length - 1; e++) {
      JsonNode choice = JSON.readTree(events[e].substring("data: ".length())).get("choices").get(0);
      int i = choice.get("index").asInt();
      texts.get(i).append(choice.get("text").asText());
      if (!choice.get("finish_reason").isNull()) {
        ends[i] = choice;
      } else {
        assertThat(choice.has("token_ids")).as("ids come with the finish chunk only").isFalse();
      }
    }
    assertThat(whole).hasSize(4);
    for (int i = 0; i < 4; i++) {
      assertThat(texts.get(i).toString()).as("choice %s", i).isEqualTo(whole.get(i).get("text").asText());
      assertThat(ends[i].get("finish_reason")).isEqualTo(whole.get(i).get("finish_reason"));
      assertThat(ends[i].get("token_ids")).isEqualTo(whole.get(i).get("token_ids"));
      assertThat(ends[i].get("prompt_token_ids")).isEqualTo(whole.get(i).get("prompt_token_ids"));
    }
    assertThat(whole.get(2).get("prompt_token_ids")).isEqualTo(JSON.valueToTree(lm.encode("In the beginning")));
  }

  /** The prompt's ids without BOS, as a client that tokenises sends them. */
  private static List<Long> tokens(String prompt) {
    return java.util.Arrays.stream(lm.encode(prompt)).asLongStream().boxed().toList();
  }

  private static String post(String body) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  @Test
  void streamedChatStartsWithTheRoleAndAddsUpToTheAnswer(@TempDir Path dir) throws IOException {
    Path model = ChatModelFixture.create(dir);
    try (OnnxCausalLM plain = OnnxCausalLM.load(model);
        OpenAiServer chatServer = OpenAiServer.builder().model("chat", plain).chatTemplate(ChatTemplate.load(model))
            .port(0).start()) {
      OpenAIClient chat = client(chatServer);
      ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("chat")
          .addUserMessage("And God said").maxCompletionTokens(12L).n(2L).seed(4L).build();
      ChatCompletion whole = chat.chat().completions().create(params);
      List<StringBuilder> texts = List.of(new StringBuilder(), new StringBuilder());
      List<String> firstDeltas = new ArrayList<>(List.of("", ""));
      List<CompletionUsage> usage = new ArrayList<>();
      try (StreamResponse<ChatCompletionChunk> chunks = chat.chat().completions().createStreaming(params.toBuilder()
          .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
        chunks.stream().forEach(chunk -> {
          chunk.usage().ifPresent(usage::add);
          for (ChatCompletionChunk.Choice choice : chunk.choices()) {
            int i = (int) choice.index();
            if (firstDeltas.get(i).isEmpty()) {
              firstDeltas.set(i, choice.delta().role().map(ChatCompletionChunk.Choice.Delta.Role::asString).orElse("none"));
            }
            choice.delta().content().ifPresent(texts.get(i)::append);
          }
        });
      }
      assertThat(firstDeltas).containsExactly("assistant", "assistant");
      for (int i = 0; i < 2; i++) {
        assertThat(texts.get(i).toString()).isEqualTo(whole.choices().get(i).message().content().orElseThrow());
      }
      assertThat(usage).containsExactly(whole.usage().orElseThrow());
    }
  }

  @Test
  void concurrentRequestsShareABatchAndGetTheirAnswersAlone() throws Exception {
    List<CompletionCreateParams> requests = List.of(params(1, 1).build(), params(2, 3).build(),
        params(3, 2).prompt("Blessed are they").build(), params(4, 1).temperature(0.7).build(),
        params(5, 2).temperature(0.7).build(), params(6, 1).maxTokens(10L).build(),
        params(7, 2).promptOfArrayOfTokenArrays(List.of(tokens("And God said"), tokens("In the beginning"))).build());
    List<List<String>> alone = new ArrayList<>();
    for (CompletionCreateParams p : requests) {
      alone.add(texts(client.completions().create(p)));
    }
    List<String> streamedAlone = stream(client, params(11, 2).build(), 4).texts().stream()
        .map(StringBuilder::toString).toList();
    try (OpenAiServer batching = OpenAiServer.builder().model(BASE, lm).port(0)
        .batchWindow(Duration.ofMillis(1500)).start()) {
      OpenAIClient c = client(batching);
      ExecutorService pool = Executors.newFixedThreadPool(requests.size() + 1);
      try {
        List<Future<List<String>>> together = new ArrayList<>();
        for (CompletionCreateParams p : requests) {
          together.add(pool.submit((Callable<List<String>>) () -> texts(c.completions().create(p))));
        }
        Future<List<String>> streamed = pool.submit(() -> stream(c, params(11, 2).build(), 4).texts().stream()
            .map(StringBuilder::toString).toList());
        for (int i = 0; i < requests.size(); i++) {
          assertThat(together.get(i).get()).as("request %s", i).isEqualTo(alone.get(i));
        }
        assertThat(streamed.get()).isEqualTo(streamedAlone);
      } finally {
        pool.shutdown();
      }
      // The requests did share batches: three sampling settings among 8 requests.
      assertThat(batching.batcher().largestBatch()).isGreaterThanOrEqualTo(3);
      assertThat(batching.batcher().batches()).isLessThan(requests.size() + 1);
    }
  }
}
