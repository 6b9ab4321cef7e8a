package ai.iro.onnx.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.onnx.internal.EncoderSession.Tokens;
import ai.iro.onnx.runtime.ExecutionOptions;
import ai.iro.onnx.runtime.OrtRuntime;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * EncoderSession on the fixtures of make_fixtures.py: reward-single (logit = mean of a table row over
 * the attended tokens, no token_type_ids) shows the mask; sentence-encoder (token embedding k of id t is
 * sin(t * (k + 1) / 100), so id 0 gives exact zeros) shows the padding ids.
 */
class EncoderSessionTest {
  private static final Path FIXTURES = Path.of("src/test/resources/fixtures");
  private static final Path TOKENIZER =
      Path.of(System.getProperty("iro.model.dir", "../models/kjv-tiny")).resolve("tokenizer.json");

  private static <T> T open(String fixture, Function<EncoderSession, T> owner) {
    Path model = FIXTURES.resolve(fixture).resolve("model.onnx");
    return EncoderSession.open("test model", EncoderSession.tokenizer(TOKENIZER, Map.of()),
        () -> OrtRuntime.open(model, ExecutionOptions.cpu(1)), owner);
  }

  private static Tokens tokens(long... ids) {
    return new Tokens(ids, new long[0]);
  }

  @Test
  void paddingIsMaskedOut() {
    try (EncoderSession s = open("reward-single", Function.identity())) {
      float[][] alone = s.run(List.of(tokens(5)), "logits", float[][].class, "one");
      float[][] padded = s.run(List.of(tokens(5), tokens(5, 6, 7)), "logits", float[][].class, "two");
      // Unmasked, the two padding positions would pull row 0 towards table row 0 (-0.5).
      assertThat(padded[0][0]).isEqualTo(alone[0][0]).isEqualTo(84 / 100f - 0.5f);
    }
  }

  @Test
  void paddingIdsAreZeroAndRealTokensKeepTheirPlace() {
    try (EncoderSession s = open("sentence-encoder", Function.identity())) {
      float[][][] alone = s.run(List.of(tokens(40)), "last_hidden_state", float[][][].class, "one");
      float[][][] padded = s.run(List.of(tokens(40), tokens(1, 2, 3)), "last_hidden_state", float[][][].class, "two");
      assertThat(padded[0]).hasNumberOfRows(3);
      assertThat(padded[0][0]).containsExactly(alone[0][0]);
      assertThat(padded[0][1]).containsOnly(0f);
      assertThat(padded[0][2]).containsOnly(0f);
    }
  }

  @Test
  void anEmptyBatchRowStillGivesOnePosition() {
    try (EncoderSession s = open("sentence-encoder", Function.identity())) {
      float[][][] out = s.run(List.of(tokens()), "last_hidden_state", float[][][].class, "empty");
      assertThat(out[0]).hasNumberOfRows(1);
      assertThat(out[0][0]).containsOnly(0f);
    }
  }

  @Test
  void readsInputsAndOutputsOnce() {
    try (EncoderSession s = open("reward-classifier", Function.identity())) {
      assertThat(s.outputNames()).containsExactly("logits");
      assertThat(s.outputShape("logits")).containsExactly(-1, 2);
      s.outputShape("logits")[1] = 7;
      assertThat(s.outputShape("logits")).containsExactly(-1, 2);
      s.requireTokenInputs("unused");
      assertThat(s.source()).isEqualTo(FIXTURES.resolve("reward-classifier/model.onnx").toString());
    }
    try (EncoderSession s = open("reward-wrong-inputs", Function.identity())) {
      assertThatThrownBy(() -> s.requireTokenInputs("expected something else"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("test model " + FIXTURES.resolve("reward-wrong-inputs/model.onnx"))
          .hasMessageContaining("has inputs [input_ids, position_ids], expected something else");
    }
  }

  @Test
  void aFailingOwnerLeavesTheSessionClosed() {
    AtomicReference<EncoderSession> seen = new AtomicReference<>();
    assertThatThrownBy(() -> open("reward-single", s -> {
      seen.set(s);
      throw new IllegalArgumentException("owner rejects it");
    })).isInstanceOf(IllegalArgumentException.class).hasMessage("owner rejects it");
    assertThatThrownBy(seen.get()::checkOpen).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("test model").hasMessageContaining("is closed");
    assertThat(seen.get()).hasToString("EncoderSession{test model "
        + FIXTURES.resolve("reward-single/model.onnx") + ", closed}");
  }

  @Test
  void closeIsIdempotentAndLaterUseFails() {
    EncoderSession s = open("reward-single", Function.identity());
    s.close();
    s.close();
    assertThatThrownBy(s::tokenizer).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> s.run(List.of(tokens(1)), "logits", float[][].class, "one"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void missingTokenizerFileIsNamed(@org.junit.jupiter.api.io.TempDir Path tmp) {
    Path missing = tmp.resolve("tokenizer.json");
    assertThatThrownBy(() -> EncoderSession.tokenizer(missing, Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> EncoderSession.tokenizer(new byte[] {'{'}, "some model", Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tokenizer of some model");
  }
}
