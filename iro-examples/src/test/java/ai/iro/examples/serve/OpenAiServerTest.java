package ai.iro.examples.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.core.search.Candidate;
import ai.iro.core.search.SearchResult;
import ai.iro.examples.ChatModelFixture;
import ai.iro.examples.ShippedModel;
import ai.iro.examples.ValueHeads;
import ai.iro.examples.cli.IroCommand;
import ai.iro.onnx.chat.ChatTemplate;
import ai.iro.onnx.lm.OnnxCausalLM;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iro serve}'s server, called by the official OpenAI Java SDK and by raw HTTP. */
class OpenAiServerTest {
  private static final String KEY = "test-key";
  private static final String BASE = "kjv-tiny";
  private static final String POLICY = "kjv-afinn";
  private static final String PROMPT = "In the beginning";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;

  private static OnnxCausalLM lm;
  private static AlignedPolicy policy;
  private static OpenAiServer server;
  private static OpenAIClient client;

  @BeforeAll
  static void start() throws IOException {
    Path prompts = tmp.resolve("prompts.jsonl");
    Files.write(prompts, List.of("{\"prompt\": \"And God said\"}", "{\"prompt\": \"Blessed are they\"}"));
    Path policyDir = tmp.resolve("policy");
    StringWriter err = new StringWriter();
    int code = IroCommand.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true), "align", "--model",
        ShippedModel.directory().toString(), "--prompts", prompts.toString(), "--reward", "afinn", "--iterations", "1",
        "--out", policyDir.toString(), "-W", "2", "-K", "2", "-L", "4", "--samples", "2", "--max-new-tokens", "8",
        "--seed", "3");
    assertThat(code).as(err.toString()).isZero();
    lm = OnnxCausalLM.load(ShippedModel.directory());
    policy = AlignedPolicy.load(policyDir, lm, ValueHeads.loaders(lm));
    server = OpenAiServer.builder().model(BASE, lm).policy(POLICY, policy).port(0).apiKey(KEY).start();
    client = client(KEY);
  }

  @AfterAll
  static void stop() {
    server.close();
    lm.close();
  }

  private static OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.port() + "/v1").apiKey(key)
        .maxRetries(0).build();
  }

  private static CompletionCreateParams.Builder params(String model) {
    return CompletionCreateParams.builder().model(model).prompt(PROMPT).maxTokens(8L);
  }

  private static List<String> texts(Completion c) {
    List<String> out = new ArrayList<>();
    for (CompletionChoice choice : c.choices()) {
      out.add(choice.text());
    }
    return out;
  }

  @Test
  void baseModelCompletionsAreTheLibrarysSamplesForTheSeed() {
    Completion c = client.completions().create(params(BASE).n(3L).seed(11L).temperature(1.0).build());
    Sampling sampling = Sampling.builder().temperature(1).topP(1).topK(0).maxNewTokens(8).build();
    List<String> expected = new ArrayList<>();
    long tokens = 0;
    try (Decoding d = lm.open(List.of(PROMPT, PROMPT, PROMPT), sampling, 0L)) {
      // A request's seed is the extend seed of the randomness contract (Decoding#extend(int)).
      d.extend(8, Decoding.streamSeeds(d, 11L));
      for (int row = 0; row < 3; row++) {
        expected.add(d.responseText(row));
        tokens += d.responseLength(row);
      }
    }
    assertThat(c.model()).isEqualTo(BASE);
    assertThat(texts(c)).containsExactlyElementsOf(expected);
    assertThat(c.choices()).extracting(CompletionChoice::index).containsExactly(0L, 1L, 2L);
    assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(lm.encodePrompt(PROMPT).length);
    assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(tokens);
    assertThat(c.usage().orElseThrow().totalTokens()).isEqualTo(tokens + lm.encodePrompt(PROMPT).length);
  }

  @Test
  void sameSeedSameCompletionsAnotherSeedOthers() {
    List<String> first = texts(client.completions().create(params(BASE).n(4L).seed(5L).build()));
    List<String> again = texts(client.completions().create(params(BASE).n(4L).seed(5L).build()));
    List<String> other = texts(client.completions().create(params(BASE).n(4L).seed(6L).build()));
    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
    List<String> unseeded = texts(client.completions().create(params(BASE).n(4L).build()));
    List<String> defaultSeed = texts(client.completions().create(params(BASE).n(4L).seed(OpenAiServer.DEFAULT_SEED).build()));
    assertThat(unseeded).as("no seed means the documented default").isEqualTo(defaultSeed);
  }

  @Test
  void policyCompletionIsThePolicysSearchResult() {
    Completion c = client.completions().create(CompletionCreateParams.builder().model(POLICY).prompt(PROMPT)
        .seed(9L).build());
    assertThat(c.model()).isEqualTo(POLICY);
    assertThat(texts(c)).containsExactly(policy.search(List.of(PROMPT), 9L).results().get(0).text());
    assertThat(c.usage().orElseThrow().completionTokens())
        .isEqualTo(policy.search(List.of(PROMPT), 9L).results().get(0).best().tokens().length);
  }

  @Test
  void listPromptsAnswerEachInOrder() {
    Completion c = client.completions().create(CompletionCreateParams.builder().model(BASE)
        .promptOfArrayOfStrings(List.of(PROMPT, "And God said")).maxTokens(4L).seed(2L).build());
    assertThat(c.choices()).hasSize(2);
    assertThat(c.usage().orElseThrow().promptTokens())
        .isEqualTo(lm.encodePrompt(PROMPT).length + lm.encodePrompt("And God said").length);
  }

  @Test
  void modelsListsTheBaseModelAndEachPolicy() {
    assertThat(client.models().list().data()).extracting(Model::id).containsExactly(BASE, POLICY);
  }

  @Test
  void unknownModelIsNotFound() {
    assertThatThrownBy(() -> client.completions().create(params("gpt-4o").build()))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("gpt-4o");
  }

  @Test
  void wrongApiKeyIsUnauthorized() {
    assertThatThrownBy(() -> client("wrong-key").completions().create(params(BASE).build()))
        .isInstanceOf(UnauthorizedException.class);
  }

  @Test
  void policyWithSeveralChoicesAnswersItsPickThenItsOtherFinals() {
    Completion c = client.completions().create(params(POLICY).n(3L).seed(9L).build());
    SearchResult search = policy.withSearcher(policy.searcher().toBuilder()
        .sampling(policy.searcher().sampling().toBuilder().maxNewTokens(8).build()).build())
        .search(List.of(PROMPT), 9L).results().get(0);
    assertThat(texts(c)).hasSize(3);
    assertThat(texts(c).get(0)).isEqualTo(search.text());
    assertThat(search.finals()).extracting(Candidate::text).containsAll(texts(c));
    long distinct = search.finals().stream().map(Candidate::text).distinct().count();
    assertThat(texts(c).stream().distinct().count()).as("distinct finals first").isEqualTo(Math.min(3, distinct));
    long tokens = 0;
    for (String t : texts(c)) {
      tokens += search.finals().stream().filter(f -> f.text().equals(t)).findFirst().orElseThrow().tokens().length;
    }
    assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(tokens);
  }

  @Test
  void policyStreamsItsAnswerAndItsChoices() {
    CompletionCreateParams p = params(POLICY).n(2L).seed(9L).build();
    List<String> whole = texts(client.completions().create(p));
    List<StringBuilder> streamed = List.of(new StringBuilder(), new StringBuilder());
    try (StreamResponse<Completion> chunks = client.completions().createStreaming(p)) {
      chunks.stream().forEach(ch -> ch.choices().forEach(x -> streamed.get((int) x.index()).append(x.text())));
    }
    assertThat(streamed).map(StringBuilder::toString).containsExactlyElementsOf(whole);
  }

  @Test
  void policyWithMoreChoicesThanItsSearchEndsWithIsABadRequest() {
    assertThat(policy.searcher().finalsPerPrompt()).isEqualTo(4);
    assertThatThrownBy(() -> client.completions().create(params(POLICY).n(5L).build()))
        .isInstanceOf(BadRequestException.class).hasMessageContaining("ends with 4 per prompt; found 5");
  }

  @Test
  void stopTokenIdsEndAnAnswerBeforeTheirToken() throws Exception {
    String greedy = "{\"model\": \"kjv-tiny\", \"prompt\": \"" + PROMPT
        + "\", \"max_tokens\": 8, \"temperature\": 0, \"return_token_ids\": true";
    JsonNode whole = JSON.readTree(post("/v1/completions", greedy + "}", KEY).body()).get("choices").get(0);
    int[] tokens = JSON.convertValue(whole.get("token_ids"), int[].class);
    int stopAt = 3;
    while (stopAt < tokens.length && firstIndex(tokens, tokens[stopAt]) < stopAt) {
      stopAt++;
    }
    assertThat(stopAt).as("a token not seen before it, in %s", java.util.Arrays.toString(tokens)).isLessThan(8);
    JsonNode cut = JSON.readTree(post("/v1/completions", greedy + ", \"stop_token_ids\": [" + tokens[stopAt] + "]}",
        KEY).body()).get("choices").get(0);
    assertThat(JSON.convertValue(cut.get("token_ids"), int[].class))
        .containsExactly(java.util.Arrays.copyOf(tokens, stopAt));
    assertThat(cut.get("finish_reason").asText()).isEqualTo("stop");
    assertThat(cut.get("text").asText()).isEqualTo(lm.decode(java.util.Arrays.copyOf(tokens, stopAt)));

    assertError(post("/v1/completions", greedy + ", \"stop_token_ids\": [-1]}", KEY), 400, "invalid_request_error")
        .contains("stop_token_ids");
    assertError(post("/v1/completions", greedy + ", \"stop_token_ids\": [" + lm.vocabularySize() + "]}", KEY), 400,
        "invalid_request_error").contains("outside the vocabulary");
  }

  private static int firstIndex(int[] tokens, int token) {
    int i = 0;
    while (tokens[i] != token) {
      i++;
    }
    return i;
  }

  @Test
  void tokenIdPromptsAreReadVerbatimAndTheirIdsReturned() throws Exception {
    int[] bare = lm.encode(PROMPT);
    String body = "{\"model\": \"kjv-tiny\", \"prompt\": [" + java.util.Arrays.toString(bare)
        + "], \"max_tokens\": 8, \"n\": 2, \"seed\": 11, \"return_token_ids\": true}";
    HttpResponse<String> r = post("/v1/completions", body, KEY);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode choices = JSON.readTree(r.body()).get("choices");
    Sampling sampling = Sampling.builder().temperature(1).topP(1).topK(0).maxNewTokens(8).build();
    try (Decoding d = lm.openTokens(List.of(bare), sampling, 0L)) {
      d.reorder(new int[] {0, 0});
      d.extend(8, Decoding.streamSeeds(d, 11L));
      for (int k = 0; k < 2; k++) {
        JsonNode c = choices.get(k);
        assertThat(JSON.convertValue(c.get("token_ids"), int[].class)).containsExactly(d.responseTokens(k));
        assertThat(JSON.convertValue(c.get("prompt_token_ids"), int[].class)).as("no BOS added").containsExactly(bare);
        assertThat(c.get("text").asText()).isEqualTo(d.responseText(k));
      }
    }
    // The same prompt as text is read with the model's BOS, and so continues otherwise.
    JsonNode text = JSON.readTree(post("/v1/completions", "{\"model\": \"kjv-tiny\", \"prompt\": \"" + PROMPT
        + "\", \"max_tokens\": 8, \"seed\": 11, \"return_token_ids\": true}", KEY).body()).get("choices").get(0);
    assertThat(JSON.convertValue(text.get("prompt_token_ids"), int[].class)).containsExactly(lm.encodePrompt(PROMPT));
  }

  @Test
  void chatWithoutATemplateIsABadRequest() throws Exception {
    HttpResponse<String> r = post("/v1/chat/completions",
        "{\"model\": \"kjv-tiny\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", KEY);
    assertError(r, 400, "invalid_request_error").contains("no chat template");
  }

  @Test
  void chatCompletionIsTheChatModelsAnswerForTheSeed(@TempDir Path dir) throws IOException {
    Path model = ChatModelFixture.create(dir);
    ChatTemplate template = ChatTemplate.load(model);
    Sampling sampling = Sampling.builder().temperature(1).topP(1).topK(0).maxNewTokens(8).build();
    try (OnnxCausalLM plain = OnnxCausalLM.load(model);
        OnnxCausalLM chat = OnnxCausalLM.builder().modelDirectory(model).chat(template).build();
        OpenAiServer chatServer = OpenAiServer.builder().model("chat", plain).chatTemplate(template).port(0).start();
        Decoding d = chat.open(List.of("And God said"), sampling, 0L)) {
      d.extend(8, Decoding.streamSeeds(d, 4L));
      ChatCompletion c = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + chatServer.port() + "/v1")
          .apiKey("unused").maxRetries(0).build().chat().completions().create(ChatCompletionCreateParams.builder()
              .model("chat").addUserMessage("And God said").maxCompletionTokens(8L).seed(4L).build());
      assertThat(c.choices()).hasSize(1);
      assertThat(c.choices().get(0).message().content()).hasValue(d.responseText(0));
      assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(chat.encodePrompt("And God said").length);
    }
  }

  @Test
  void chatAnswersEndAtTheTemplatesEndOfTurnAsTheLibrarysChatModelDoes(@TempDir Path dir) throws IOException {
    Path model = ChatModelFixture.create(dir);
    // A template that closes an assistant turn with its own token, not with the end of sequence.
    String template = "{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }}{% if m['role'] == 'assistant' %}"
        + "<|eot|>{% else %}<|endoftext|>{% endif %}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";
    ObjectNode config = (ObjectNode) JSON.readTree(model.resolve("tokenizer_config.json").toFile());
    config.put("chat_template", template);
    Files.writeString(model.resolve("tokenizer_config.json"), JSON.writeValueAsString(config));
    Sampling greedy = Sampling.greedy(8);
    int[] answer;
    try (OnnxCausalLM chat = OnnxCausalLM.builder().modelDirectory(model).chat(ChatTemplate.load(model)).build();
        Decoding d = chat.open(List.of("And God said"), greedy, 0L)) {
      d.extend(8);
      answer = d.responseTokens(0);
    }
    // Make the answer's fourth token (one not seen before it) the template's end-of-turn token.
    int stopAt = 3;
    while (stopAt < answer.length && firstIndex(answer, answer[stopAt]) < stopAt) {
      stopAt++;
    }
    assertThat(stopAt).as("a new token in %s", java.util.Arrays.toString(answer)).isLessThan(answer.length);
    ObjectNode tokenizer = (ObjectNode) JSON.readTree(model.resolve("tokenizer.json").toFile());
    ((com.fasterxml.jackson.databind.node.ArrayNode) tokenizer.get("added_tokens")).addObject()
        .put("id", answer[stopAt]).put("content", "<|eot|>").put("single_word", false).put("lstrip", false)
        .put("rstrip", false).put("normalized", false).put("special", true);
    Files.writeString(model.resolve("tokenizer.json"), JSON.writeValueAsString(tokenizer));

    ChatTemplate eot = ChatTemplate.load(model);
    try (OnnxCausalLM plain = OnnxCausalLM.load(model);
        OnnxCausalLM chat = OnnxCausalLM.builder().modelDirectory(model).chat(eot).build();
        OpenAiServer chatServer = OpenAiServer.builder().model("chat", plain).chatTemplate(eot).port(0).start();
        Decoding d = chat.open(List.of("And God said"), greedy, 0L)) {
      assertThat(plain.eosTokenIds()).doesNotContain(answer[stopAt]);
      assertThat(chat.eosTokenIds()).contains(answer[stopAt]);
      d.extend(8);
      assertThat(d.responseTokens(0)).containsExactly(java.util.Arrays.copyOf(answer, stopAt));
      ChatCompletion c = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + chatServer.port() + "/v1")
          .apiKey("unused").maxRetries(0).build().chat().completions().create(ChatCompletionCreateParams.builder()
              .model("chat").addUserMessage("And God said").maxCompletionTokens(8L).temperature(0.0).build());
      assertThat(c.choices().get(0).message().content()).hasValue(d.responseText(0));
      assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
      assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(stopAt);
    }
  }

  @Test
  void fullServerIs429() throws Exception {
    server.slots().acquire(OpenAiServer.DEFAULT_CONCURRENCY);
    try {
      assertError(post("/v1/completions", "{\"model\": \"kjv-tiny\", \"prompt\": \"x\"}", KEY), 429,
          "rate_limit_error").contains("busy");
    } finally {
      server.slots().release(OpenAiServer.DEFAULT_CONCURRENCY);
    }
  }

  @Test
  void badJsonAndBadParametersAre400WithoutAStackTrace() throws Exception {
    assertError(post("/v1/completions", "{\"model\": ", KEY), 400, "invalid_request_error").contains("not valid JSON");
    assertError(post("/v1/completions", "[1]", KEY), 400, "invalid_request_error").contains("JSON object");
    assertError(post("/v1/completions", "{\"model\": \"kjv-tiny\", \"prompt\": \"x\", \"max_tokens\": 0}", KEY), 400,
        "invalid_request_error").contains("max_tokens").contains("found 0");
    assertError(post("/v1/completions", "{\"model\": \"kjv-tiny\", \"prompt\": \"x\", \"max_tokens\": 100000}", KEY),
        400, "invalid_request_error").contains("max_tokens");
    assertError(post("/v1/completions", "{\"model\": \"kjv-tiny\", \"prompt\": \"x\", \"temperature\": \"hot\"}", KEY),
        400, "invalid_request_error").contains("temperature");
    assertError(post("/v1/completions", "{\"model\": \"kjv-tiny\", \"prompt\": [1, 99999]}", KEY), 400,
        "invalid_request_error").contains("prompt 0 has token id 99999");
    assertError(post("/v1/completions", "{\"model\": \"kjv-tiny\", \"prompt\": [[1], [\"x\"]]}", KEY), 400,
        "invalid_request_error").contains("prompt 1 has a token id that is not an integer");
    assertError(post("/v1/completions", "{\"model\": \"kjv-afinn\", \"prompt\": [1, 2]}", KEY), 400,
        "invalid_request_error").contains("token-id prompts are for the base model only");
    assertError(post("/v1/completions", "{\"model\": \"kjv-tiny\", \"prompt\": \"x\", \"stream_options\": {}}", KEY),
        400, "invalid_request_error").contains("stream_options");
    assertError(post("/v1/completions", "{\"model\": \"kjv-tiny\", \"prompt\": \"x\", \"logprobs\": 2}", KEY), 400,
        "invalid_request_error").contains("logprobs");
    assertError(post("/v1/completions", "{\"model\": \"kjv-tiny\", \"prompt\": \"" + "And God said ".repeat(2000)
        + "\"}", KEY), 400, "invalid_request_error").contains("over the model's context of " + lm.contextLength());
    assertError(post("/v1/completions", "{\"model\": \"kjv-tiny\"}", KEY), 400, "invalid_request_error")
        .contains("prompt");
    assertError(post("/v1/completions", "{\"model\": \"kjv-tiny\", \"prompt\": \"x\", \"stop\": \"\"}", KEY), 400,
        "invalid_request_error").contains("stop");
  }

  @Test
  void missingKeyIs401AndHealthNeedsNone() throws Exception {
    assertError(post("/v1/completions", "{}", null), 401, "invalid_request_error").contains("missing API key");
    HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri("/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");
  }

  @Test
  void bodyOverTheLimitIs413() throws Exception {
    try (OpenAiServer small = OpenAiServer.builder().model(BASE, lm).port(0).maxBodyBytes(64).start()) {
      String body = "{\"model\": \"kjv-tiny\", \"prompt\": \"" + "x".repeat(200) + "\"}";
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + small.port() + "/v1/completions"))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertError(r, 413, "invalid_request_error").contains("over the limit of 64");
    }
  }

  @Test
  void unknownPathIs404() throws Exception {
    assertError(post("/v1/embeddings", "{}", KEY), 404, "invalid_request_error").contains("/v1/embeddings");
  }

  @Test
  void bindingBeyondLoopbackNeedsAKey() {
    assertThatThrownBy(() -> OpenAiServer.builder().model(BASE, lm).host("0.0.0.0").port(0).start())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs an API key");
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private static HttpResponse<String> post(String path, String body, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static org.assertj.core.api.AbstractStringAssert<?> assertError(HttpResponse<String> r, int status,
      String type) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).doesNotContain("\tat ").doesNotContain("Exception").doesNotContain("ai.iro.");
    JsonNode error = JSON.readTree(r.body()).get("error");
    assertThat(error.get("type").asText()).isEqualTo(type);
    assertThat(error.get("code").isTextual()).isTrue();
    return assertThat(error.get("message").asText());
  }
}
