package ai.iro.examples.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.iro.examples.ShippedModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The classifier task's reward: the shipped ONNX classifier through OnnxRewardModel. */
class ClassifierTaskTest {
  /** float32 graph against the float32 PyTorch model. */
  private static final double TOLERANCE = 1e-4;

  private static Task open() {
    return Tasks.open(Tasks.CLASSIFIER, ShippedModel.directory().resolve("tokenizer.json"));
  }

  @Test
  void scoresThePairsOfTheGoldenFileAsPyTorchDid() throws IOException {
    JsonNode golden = new ObjectMapper().readTree(Path.of("../models/kjv-classifier/golden.json").toFile());
    List<String> prompts = new ArrayList<>();
    List<String> responses = new ArrayList<>();
    for (JsonNode g : golden) {
      prompts.add(g.get("prompt").asText());
      responses.add(g.get("response").asText());
    }
    try (Task task = open()) {
      double[] scores = task.reward().score(prompts, responses);
      for (int i = 0; i < scores.length; i++) {
        assertThat(scores[i]).as(responses.get(i)).isCloseTo(golden.get(i).get("logit").asDouble(), within(TOLERANCE));
      }
    }
  }

  @Test
  void newTestamentWritingScoresAboveOldTestamentWriting() {
    try (Task task = open()) {
      double[] r = task.reward().score(List.of("And", "And"), List.of(
          " Jesus said unto his disciples, Verily I say unto you, the kingdom of heaven is at hand.",
          " the LORD spake unto Moses, saying, Speak unto the children of Israel, and the priest shall offer"));
      assertThat(r[0]).isPositive();
      assertThat(r[1]).isNegative();
    }
  }

  @Test
  void thePromptDoesNotChangeTheScore() {
    try (Task task = open()) {
      String answer = " and the disciples came unto him";
      double[] r = task.reward().score(List.of("Jesus answered", "And the LORD spake unto Moses"), List.of(answer, answer));
      assertThat(r[0]).isCloseTo(r[1], within(TOLERANCE));
    }
  }
}
