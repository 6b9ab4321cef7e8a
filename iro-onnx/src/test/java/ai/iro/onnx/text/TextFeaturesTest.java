package ai.iro.onnx.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueExample;
import ai.iro.onnx.features.TextFeatures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TextFeatures over the unquantized sentence-encoder fixture (MiniLM's tokenizer), with the response
 * tokens of models/kjv-tiny's tokenizer.
 */
class TextFeaturesTest {
  /** Tokens are independent in the fixture and padding is masked out: batching changes nothing. */
  private static final double PREFIX_TOLERANCE = 1e-5;
  private static final Path KJV_TOKENIZER = Path.of(System.getProperty("iro.model.dir", "../models/kjv-tiny"))
      .resolve("tokenizer.json");

  @TempDir
  static Path dir;
  private static SentenceEncoder encoder;
  private static TextTokenizer kjv;

  @BeforeAll
  static void load() throws IOException {
    Path tokenizer = dir.resolve("tokenizer.json");
    Files.write(tokenizer, MiniLm.bytes(MiniLm.TOKENIZER_RESOURCE));
    encoder = SentenceEncoder.load(SentenceEncoderFixtureTest.FIXTURE, tokenizer);
    kjv = TextTokenizer.load(KJV_TOKENIZER);
  }

  @AfterAll
  static void close() {
    encoder.close();
    kjv.close();
  }

  @Test
  void prefixFeaturesEqualEncodingEachPrefixAlone() {
    AtomicInteger decodes = new AtomicInteger();
    TextFeatures features = new TextFeatures("fixture", encoder, ids -> {
      decodes.incrementAndGet();
      return kjv.decode(ids);
    });
    int[] tokens = kjv.encode(" and God said, Let there be light");
    ValueExample a = new ValueExample("In the beginning", tokens, kjv.decode(tokens), 1.0);
    int[] few = kjv.encode(" Amen");
    ValueExample b = new ValueExample("The end", few, kjv.decode(few), 0.0);
    List<float[][]> out = features.prefixFeatures(List.of(a, b));
    assertThat(out).hasSize(2);
    ValueExample[] examples = {a, b};
    for (int e = 0; e < examples.length; e++) {
      int[] t = examples[e].responseTokens();
      assertThat(out.get(e)).hasNumberOfRows(t.length + 1);
      for (int j = 0; j <= t.length; j++) {
        float[] alone = encoder.encode(examples[e].prompt() + kjv.decode(Arrays.copyOf(t, j)));
        assertThat(out.get(e)[j]).hasSize(features.dimension());
        for (int k = 0; k < alone.length; k++) {
          assertThat((double) out.get(e)[j][k]).as("example %s, prefix %s, dim %s", e, j, k)
              .isCloseTo(alone[k], within(PREFIX_TOLERANCE));
        }
      }
    }
    assertThat(decodes.get()).isEqualTo(tokens.length + few.length);
  }

  @Test
  void stateFeaturesEncodePromptAndResponseAndAreMemoisedPerBatch() {
    TextFeatures features = new TextFeatures("fixture", encoder, kjv::decode);
    int[] tokens = kjv.encode(" and the earth");
    StateBatch batch = new StateBatch(List.of(State.of("In the beginning", tokens, kjv.decode(tokens)),
        State.of("Amen", new int[0], "")));
    float[][] first = batch.features(features);
    float[][] again = batch.features(features);
    TextFeatures sameId = new TextFeatures("fixture", encoder, kjv::decode);
    assertThat(again).isSameAs(first);
    assertThat(batch.features(sameId)).isSameAs(first);
    float[] expected = encoder.encode("In the beginning" + kjv.decode(tokens));
    for (int k = 0; k < expected.length; k++) {
      assertThat((double) first[0][k]).isCloseTo(expected[k], within(PREFIX_TOLERANCE));
    }
    assertThat(new StateBatch(batch.states()).features(features)).isNotSameAs(first);
  }

  @Test
  void prefixFeaturesOfMiniLmEqualEncodingEachPrefixAlone(@TempDir Path tmp) {
    // One text per forward pass: the quantized model's embeddings do not depend on batch mates.
    try (SentenceEncoder minilm = MiniLm.builder(tmp).batchSize(1).build()) {
      TextFeatures features = new TextFeatures("all-minilm-l6-v2-q", minilm, kjv::decode);
      int[] tokens = kjv.encode(" God created the heaven");
      ValueExample example = new ValueExample("In the beginning", tokens, kjv.decode(tokens), 1.0);
      float[][] rows = features.prefixFeatures(List.of(example)).get(0);
      assertThat(rows).hasNumberOfRows(tokens.length + 1);
      for (int j = 0; j <= tokens.length; j++) {
        float[] alone = minilm.encode("In the beginning" + kjv.decode(Arrays.copyOf(tokens, j)));
        assertThat(rows[j]).hasSize(MiniLm.DIMENSION);
        for (int k = 0; k < alone.length; k++) {
          assertThat((double) rows[j][k]).isCloseTo(alone[k], within(PREFIX_TOLERANCE));
        }
      }
    }
  }

  @Test
  void idNamesEncoderPoolingAndDimension() {
    TextFeatures features = new TextFeatures("minilm", encoder, kjv::decode);
    assertThat(features.id()).isEqualTo("text:minilm:mean-l2:" + SentenceEncoderFixtureTest.FIXTURE_DIMENSION);
    assertThat(features.dimension()).isEqualTo(SentenceEncoderFixtureTest.FIXTURE_DIMENSION);
  }
}
