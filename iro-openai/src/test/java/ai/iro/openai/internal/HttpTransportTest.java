package ai.iro.openai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.openai.Endpoint;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HttpTransportTest {
  private final HttpTransport transport = new HttpTransport(Endpoint.builder().baseUrl("http://localhost:1/v1")
      .noApiKey().build(), Optional.of("sk-KEY"), HttpTransport.Ticker.SYSTEM);

  @Test
  void readsRetryAfterAsSecondsOrAnHttpDate() {
    assertThat(HttpTransport.retryAfter("7")).contains(Duration.ofSeconds(7));
    assertThat(HttpTransport.retryAfter(" 0 ")).contains(Duration.ZERO);
    assertThat(HttpTransport.retryAfter("-3")).contains(Duration.ZERO);
    String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(60));
    assertThat(HttpTransport.retryAfter(inAMinute).orElseThrow())
        .isBetween(Duration.ofSeconds(55), Duration.ofSeconds(61));
    String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().minusSeconds(60));
    assertThat(HttpTransport.retryAfter(past)).contains(Duration.ZERO);
    assertThat(HttpTransport.retryAfter("soon")).isEmpty();
  }

  @Test
  void findsTheServersMessageInEachErrorShapeAndRedactsTheKey() {
    assertThat(transport.serverMessage("{\"error\":{\"message\":\"bad key sk-KEY\",\"type\":\"auth\"}}"))
        .isEqualTo("bad key ***");
    assertThat(transport.serverMessage("{\"object\":\"error\",\"message\":\"too long\",\"code\":400}"))
        .isEqualTo("too long");
    assertThat(transport.serverMessage("{\"error\":\"Input validation error\",\"error_type\":\"Validation\"}"))
        .isEqualTo("Input validation error");
    assertThat(transport.serverMessage("{\"detail\":[{\"loc\":[\"body\",\"prompt\"],\"msg\":\"field required\"}]}"))
        .contains("field required");
    assertThat(transport.serverMessage("<html>502 Bad Gateway</html>")).isEqualTo("<html>502 Bad Gateway</html>");
    assertThat(transport.serverMessage("")).isEqualTo("(empty body)");
    assertThat(transport.serverMessage("x".repeat(5000))).hasSize(1003).endsWith("...");
  }
}
