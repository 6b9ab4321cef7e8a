package ai.iro.onnx.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.iro.onnx.runtime.ExecutionOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SentenceEncoder on the real all-MiniLM-L6-v2 (quantized). */
class SentenceEncoderTest {
  /** Embeddings are normalised in double and stored as float. */
  private static final double NORM_TOLERANCE = 1e-5;
  /** Truncated and explicitly shortened texts give the same tokens, so the same embedding up to rounding. */
  private static final double SAME_TOKENS_TOLERANCE = 1e-5;
  /**
   * The quantized export quantizes activations per tensor over the whole batch (DynamicQuantizeLinear),
   * so a text's embedding depends slightly on its batch mates: batched and one-at-a-time embeddings
   * agree only to about 5e-3 per dimension. Exact batching (padding masked out) is checked on the
   * unquantized fixture in SentenceEncoderFixtureTest.
   */
  private static final double QUANTIZED_BATCH_COSINE = 0.98;
  /** With one text per forward pass, batching is only bookkeeping: the same numbers. */
  private static final double BATCH_TOLERANCE = 1e-5;

  private static final String FOOD = "A man is eating food.";
  private static final String BREAD = "A man is eating a piece of bread.";
  private static final String BABY = "The girl is carrying a baby.";
  private static final String HORSE = "A man is riding a horse.";

  @TempDir
  static Path dir;
  /** One text per forward pass: embeddings independent of batch mates. */
  private static SentenceEncoder encoder;
  /** The default batch size: one forward pass for a few texts. */
  private static SentenceEncoder batching;

  @BeforeAll
  static void load() {
    encoder = MiniLm.builder(dir).batchSize(1).build();
    batching = SentenceEncoder.builder().model(MiniLm.bytes(MiniLm.MODEL_RESOURCE), "all-minilm-l6-v2-q")
        .tokenizer(MiniLm.bytes(MiniLm.TOKENIZER_RESOURCE)).build();
  }

  @AfterAll
  static void close() {
    encoder.close();
    batching.close();
  }

  @Test
  void embeddingsHave384UnitNormDimensions() {
    assertThat(encoder.dimension()).isEqualTo(MiniLm.DIMENSION);
    float[][] e = encoder.encode(List.of(FOOD, BABY, ""));
    for (float[] row : e) {
      assertThat(row).hasSize(MiniLm.DIMENSION);
      assertThat(MiniLm.norm(row)).isCloseTo(1.0, within(NORM_TOLERANCE));
    }
  }

  @Test
  void similaritiesOrderAsKnown() {
    float[][] e = encoder.encode(List.of(FOOD, BREAD, BABY, HORSE));
    double bread = MiniLm.cosine(e[0], e[1]);
    double baby = MiniLm.cosine(e[0], e[2]);
    double horse = MiniLm.cosine(e[0], e[3]);
    assertThat(bread).isGreaterThan(baby).isGreaterThan(horse);
    assertThat(bread).isGreaterThan(0.5);
  }

  @Test
  void batchedEqualsOneAtATime() {
    List<String> texts = List.of(FOOD, "Short.", BABY + " " + HORSE + " " + BREAD, HORSE);
    float[][] batched = encoder.encode(texts);
    for (int i = 0; i < texts.size(); i++) {
      float[] alone = encoder.encode(texts.get(i));
      for (int d = 0; d < alone.length; d++) {
        assertThat((double) batched[i][d]).as("text %s, dim %s", i, d).isCloseTo(alone[d], within(BATCH_TOLERANCE));
      }
    }
  }

  @Test
  void oneForwardPassPerBatchAgreesUpToQuantization() {
    List<String> texts = List.of(FOOD, "Short.", BABY + " " + HORSE + " " + BREAD, HORSE);
    float[][] batched = batching.encode(texts);
    for (int i = 0; i < texts.size(); i++) {
      float[] alone = batching.encode(texts.get(i));
      assertThat(MiniLm.norm(batched[i])).isCloseTo(1.0, within(NORM_TOLERANCE));
      assertThat(MiniLm.cosine(batched[i], alone)).as("text %s", i).isGreaterThan(QUANTIZED_BATCH_COSINE);
    }
    float[][] e = batching.encode(List.of(FOOD, BREAD, BABY, HORSE));
    assertThat(MiniLm.cosine(e[0], e[1])).isGreaterThan(MiniLm.cosine(e[0], e[2]))
        .isGreaterThan(MiniLm.cosine(e[0], e[3]));
  }

  @Test
  void truncatesToMaxLength() {
    try (SentenceEncoder shortEncoder = SentenceEncoder.builder()
        .model(MiniLm.bytes(MiniLm.MODEL_RESOURCE), "all-minilm-l6-v2-q").tokenizer(MiniLm.bytes(MiniLm.TOKENIZER_RESOURCE))
        .maxLength(8).batchSize(1).execution(ExecutionOptions.cpu(1)).build()) {
      String longText = "one two three four five six seven eight nine ten eleven twelve";
      float[] truncated = shortEncoder.encode(longText);
      // [CLS] one two three four five six [SEP]: the same as encoding the first six words.
      float[] prefix = shortEncoder.encode("one two three four five six");
      for (int d = 0; d < prefix.length; d++) {
        assertThat((double) truncated[d]).isCloseTo(prefix[d], within(SAME_TOKENS_TOLERANCE));
      }
    }
  }

  @Test
  void closeIsIdempotentAndLaterUseFails(@TempDir Path other) {
    SentenceEncoder e = MiniLm.load(other);
    e.close();
    e.close();
    assertThatThrownBy(() -> e.encode("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void missingTokenizerIsNamed(@TempDir Path empty) {
    Path missing = empty.resolve("tokenizer.json");
    assertThatThrownBy(() -> SentenceEncoder.load(empty.resolve("model.onnx"), missing))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
  }
}
