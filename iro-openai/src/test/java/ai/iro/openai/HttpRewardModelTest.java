package ai.iro.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.iro.openai.FakeServer.Fault;
import ai.iro.openai.HttpRewardModel.Protocol;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HttpRewardModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double TOLERANCE = 1e-12;
  private static final List<String> PROMPTS = List.of("p0 ", "p1 ", "p2 ", "p3 ", "p4 ");
  private static final List<String> RESPONSES = List.of("e", "ee", "", "eee", "eeee");

  private final FakeServer server = new FakeServer();

  @AfterEach
  void stop() {
    server.close();
  }

  /** The fake reward of a text: a tenth of its letters 'e'. */
  private static double reward(String text) {
    return text.chars().filter(c -> c == 'e').count() / 10.0;
  }

  private HttpRewardModel.Builder reward(Protocol protocol) {
    return HttpRewardModel.builder().protocol(protocol).endpoint(Endpoint.builder().baseUrl(server.root()).noApiKey()
        .retryPolicy(RetryPolicy.builder().initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(2))
            .build()).build());
  }

  /** vLLM's /classify, answering its results in reverse order (they carry their index). */
  private static JsonNode classify(JsonNode request) {
    ObjectNode out = JSON.createObjectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    JsonNode input = request.path("input");
    for (int i = input.size() - 1; i >= 0; i--) {
      double r = reward(input.get(i).asText());
      ObjectNode d = data.addObject().put("index", i).put("label", "LABEL_1").put("num_classes", 2);
      d.putArray("probs").add(1 - r).add(r);
    }
    return out;
  }

  @Test
  void vllmClassifyScoresTheLabelsProbabilityInBatches() {
    server.on("/classify", HttpRewardModelTest::classify);
    HttpRewardModel model = reward(Protocol.VLLM_CLASSIFY).model("rm").label(1).batchSize(2).build();
    double[] scores = model.score(PROMPTS, RESPONSES);
    for (int i = 0; i < scores.length; i++) {
      assertThat(scores[i]).isCloseTo(reward(RESPONSES.get(i)), within(TOLERANCE));
    }
    List<JsonNode> bodies = server.bodies("/classify");
    assertThat(bodies).hasSize(3);
    assertThat(bodies.get(0).path("model").asText()).isEqualTo("rm");
    assertThat(bodies.get(0).path("input").get(1).asText()).isEqualTo("p1 ee");
    assertThat(bodies.get(2).path("input")).hasSize(1);
    assertThat(bodies.get(0).has("use_activation")).isFalse();
    assertThat(model.requests()).isEqualTo(3);
    assertThat(model.score(List.of(), List.of())).isEmpty();
    assertThat(server.bodies("/classify")).as("nothing to score, nothing sent").hasSize(3);
  }

  @Test
  void vllmPoolingReadsAPooledVectorOrTheLastTokensRow() {
    server.on("/pooling", request -> {
      ObjectNode out = JSON.createObjectNode();
      ArrayNode data = out.putArray("data");
      JsonNode input = request.path("input");
      for (int i = 0; i < input.size(); i++) {
        ObjectNode d = data.addObject().put("index", i);
        double r = reward(input.get(i).asText());
        if (i % 2 == 0) {
          d.putArray("data").add(r);
        } else {
          ArrayNode perToken = d.putArray("data");
          perToken.addArray().add(-1.0);
          perToken.addArray().add(r);
        }
      }
      return out;
    });
    double[] scores = reward(Protocol.VLLM_POOLING).rawScores(true).build().score(PROMPTS, RESPONSES);
    for (int i = 0; i < scores.length; i++) {
      assertThat(scores[i]).as("text %s", i).isCloseTo(reward(RESPONSES.get(i)), within(TOLERANCE));
    }
    assertThat(server.bodies("/pooling").get(0).path("use_activation").asBoolean(true)).isFalse();
  }

  private static JsonNode predict(JsonNode request) {
    ArrayNode out = JSON.createArrayNode();
    for (JsonNode sequence : request.path("inputs")) {
      String text = sequence.size() == 2 ? sequence.get(0).asText() + sequence.get(1).asText()
          : sequence.get(0).asText();
      double r = reward(text);
      ArrayNode predictions = out.addArray();
      predictions.addObject().put("score", 1 - r).put("label", "negative");
      predictions.addObject().put("score", r).put("label", "positive");
    }
    return out;
  }

  @Test
  void teiPredictScoresTheNamedLabelOfTextsOrPairs() {
    server.on("/predict", HttpRewardModelTest::predict);
    double[] scores = reward(Protocol.TEI_PREDICT).labelName("positive").build().score(PROMPTS, RESPONSES);
    double[] pairScores = reward(Protocol.TEI_PREDICT).labelName("positive").textPairs(true).rawScores(true).build()
        .score(PROMPTS, RESPONSES);
    for (int i = 0; i < scores.length; i++) {
      assertThat(scores[i]).isCloseTo(reward(RESPONSES.get(i)), within(TOLERANCE));
      assertThat(pairScores[i]).isCloseTo(reward(RESPONSES.get(i)), within(TOLERANCE));
    }
    List<JsonNode> bodies = server.bodies("/predict");
    assertThat(bodies.get(0).path("inputs").get(1)).hasSize(1);
    assertThat(bodies.get(0).path("inputs").get(1).get(0).asText()).isEqualTo("p1 ee");
    assertThat(bodies.get(1).path("inputs").get(1)).hasSize(2);
    assertThat(bodies.get(1).path("raw_scores").asBoolean()).isTrue();
  }

  @Test
  void teiWithoutALabelNameNeedsOneScorePerText() {
    server.on("/predict", HttpRewardModelTest::predict);
    assertThatThrownBy(() -> reward(Protocol.TEI_PREDICT).build().score(PROMPTS, RESPONSES))
        .isInstanceOf(InvalidResponseException.class).hasMessageContaining("set labelName")
        .hasMessageContaining("[negative, positive]");
  }

  @Test
  void retriesOverloadAndFailsAtOnceOnAValidationError() {
    server.on("/classify", HttpRewardModelTest::classify);
    server.fail(Fault.status(503, "{\"error\":\"overloaded\",\"error_type\":\"Overloaded\"}"));
    double[] scores = reward(Protocol.VLLM_CLASSIFY).label(1).build().score(PROMPTS, RESPONSES);
    assertThat(scores[3]).isCloseTo(0.3, within(TOLERANCE));
    assertThat(server.bodies("/classify")).hasSize(2);

    server.fail(Fault.status(422, "{\"error\":\"Input validation error: inputs must have less than 512 tokens\","
        + "\"error_type\":\"Validation\"}"));
    assertThatThrownBy(() -> reward(Protocol.VLLM_CLASSIFY).label(1).build().score(PROMPTS, RESPONSES))
        .isInstanceOfSatisfying(ServerException.class, e -> {
          assertThat(e.attempts()).isEqualTo(1);
          assertThat(e.getMessage()).contains("HTTP 422", "must have less than 512 tokens");
        });
    assertThat(server.bodies("/classify")).hasSize(3);
  }

  @Test
  void wrongCountsAndMissingLabelsAreClearErrors() {
    server.on("/classify", HttpRewardModelTest::classify);
    server.fail(Fault.change(response -> {
      ((ArrayNode) response.path("data")).remove(0);
      return response;
    }));
    assertThatThrownBy(() -> reward(Protocol.VLLM_CLASSIFY).build().score(PROMPTS, RESPONSES))
        .isInstanceOf(InvalidResponseException.class).hasMessageContaining("4 results: expected 5");
    assertThatThrownBy(() -> reward(Protocol.VLLM_CLASSIFY).label(2).build().score(PROMPTS, RESPONSES))
        .isInstanceOf(InvalidResponseException.class).hasMessageContaining("no number at probs[2]");
    server.fail(Fault.change(response -> {
      ((ObjectNode) response.path("data").get(0)).put("index", 1);
      return response;
    }));
    assertThatThrownBy(() -> reward(Protocol.VLLM_CLASSIFY).build().score(PROMPTS, RESPONSES))
        .isInstanceOf(InvalidResponseException.class).hasMessageContaining("each of 0 to 4 once");
  }

  @Test
  void validatesItsSettingsAndArguments() {
    assertThatThrownBy(() -> reward(Protocol.VLLM_CLASSIFY).textPairs(true).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("TEI_PREDICT");
    assertThatThrownBy(() -> reward(Protocol.VLLM_POOLING).labelName("positive").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("label(int)");
    assertThatThrownBy(() -> HttpRewardModel.builder().protocol(Protocol.TEI_PREDICT).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("endpoint");
    assertThatThrownBy(() -> reward(Protocol.TEI_PREDICT).build().score(PROMPTS, RESPONSES.subList(0, 2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5 prompts but 2 responses");
    assertThat(reward(Protocol.TEI_PREDICT).labelName("positive").build().toString())
        .contains("TEI_PREDICT", "\"positive\"");
  }
}
