package ai.iro.onnx.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.data.ChatMessage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of {@code hf/chat/golden.json}, written by {@code src/test/scripts/chat_golden.py} with
 * Python's Jinja2 in the environment transformers builds, rendered here from the same real templates
 * and conversations: the text must be identical, and where Python raised, Java must raise too (with
 * the template's own message when the template called {@code raise_exception}).
 */
class ChatTemplateGoldenTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static Path hf() {
    try {
      return Path.of(ChatTemplateGoldenTest.class.getResource("/hf").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<ChatMessage> messages(JsonNode array) {
    List<ChatMessage> out = new ArrayList<>();
    for (JsonNode m : array) {
      out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
    }
    return out;
  }

  @TestFactory
  Stream<DynamicTest> rendersEveryGoldenCaseIdenticallyToJinja2() throws IOException {
    JsonNode golden = JSON.readTree(hf().resolve("chat/golden.json").toFile());
    Map<String, List<ChatMessage>> conversations = new HashMap<>();
    for (JsonNode c : JSON.readTree(hf().resolve("chat/conversations.json").toFile()).get("conversations")) {
      conversations.put(c.get("name").asText(), messages(c.get("messages")));
    }
    LocalDateTime fixed = LocalDateTime.parse(golden.get("fixed_now").asText());
    Clock clock = Clock.fixed(fixed.toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    Map<String, ChatTemplate> templates = new HashMap<>();
    Map<String, Map<String, Object>> extras = new HashMap<>();
    for (JsonNode t : golden.get("templates")) {
      Path dir = hf().resolve(t.get("family").asText());
      ChatTemplate loaded = t.get("template_name").isNull() ? ChatTemplate.load(dir)
          : ChatTemplate.load(dir, t.get("template_name").asText());
      templates.put(t.get("name").asText(), loaded.toBuilder().clock(clock).build());
      extras.put(t.get("name").asText(), JSON.convertValue(t.get("extra"), Map.class));
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : golden.get("cases")) {
      String name = c.get("template").asText() + " / " + c.get("conversation").asText()
          + (c.get("add_generation_prompt").asBoolean() ? " / generation prompt" : "");
      ChatTemplate template = templates.get(c.get("template").asText());
      Map<String, Object> extra = extras.get(c.get("template").asText());
      List<ChatMessage> conversation = conversations.get(c.get("conversation").asText());
      boolean generationPrompt = c.get("add_generation_prompt").asBoolean();
      tests.add(DynamicTest.dynamicTest(name, () -> {
        if (c.has("output")) {
          assertThat(template.render(conversation, generationPrompt, extra)).isEqualTo(c.get("output").asText());
        } else {
          JsonNode error = c.get("error");
          var thrown = assertThatThrownBy(() -> template.render(conversation, generationPrompt, extra))
              .isInstanceOf(ChatTemplateException.class);
          if (error.get("type").asText().equals("TemplateError")) {
            thrown.satisfies(e -> assertThat(((ChatTemplateException) e).raised())
                .contains(error.get("message").asText()));
          }
        }
      }));
    }
    return tests.stream();
  }

  @Test
  void goldenSetCoversEveryTemplateWithAndWithoutGenerationPromptAndSomeRefusals() throws IOException {
    JsonNode golden = JSON.readTree(hf().resolve("chat/golden.json").toFile());
    assertThat(golden.get("cases").size()).isGreaterThanOrEqualTo(180);
    long refusals = 0;
    for (JsonNode c : golden.get("cases")) {
      if (c.has("error") && c.get("error").get("type").asText().equals("TemplateError")) {
        refusals++;
      }
    }
    assertThat(refusals).isGreaterThanOrEqualTo(8);
  }
}
