package ai.iro.onnx.internal.jinja;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The small templates of {@code golden.json}'s "snippets" (whitespace control, literals, Python
 * string and dict methods, loops and scoping, macros, filters, tests, {@code tojson},
 * {@code strftime_now}, errors), each rendered by Python's Jinja2 in transformers' environment by
 * {@code src/test/scripts/chat_golden.py}: the Java output must be identical, and where Jinja2
 * raised, this interpreter must raise too.
 */
class TemplateSnippetsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  Stream<DynamicTest> rendersEverySnippetIdenticallyToJinja2() throws IOException, URISyntaxException {
    Path file = Path.of(TemplateSnippetsTest.class.getResource("/hf/chat/golden.json").toURI());
    JsonNode golden = JSON.readTree(file.toFile());
    ZonedDateTime now = LocalDateTime.parse(golden.get("fixed_now").asText()).atZone(ZoneOffset.UTC);
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode s : golden.get("snippets")) {
      String source = s.get("template").asText();
      @SuppressWarnings("unchecked")
      Map<String, Object> variables = JSON.convertValue(s.get("variables"), Map.class);
      tests.add(DynamicTest.dynamicTest(s.get("name").asText(), () -> {
        if (s.has("output")) {
          assertThat(Template.parse(source).render(variables, () -> now)).isEqualTo(s.get("output").asText());
        } else {
          var thrown = assertThatThrownBy(() -> Template.parse(source).render(variables, () -> now))
              .isInstanceOf(JinjaException.class);
          if (s.get("error").get("type").asText().equals("TemplateError")) {
            thrown.satisfies(e -> assertThat(((JinjaException) e).raised()).contains(s.get("error").get("message").asText()));
          } else {
            thrown.satisfies(e -> assertThat(((JinjaException) e).kind()).isEqualTo(JinjaException.Kind.RENDER));
          }
        }
      }));
    }
    return tests.stream();
  }
}
