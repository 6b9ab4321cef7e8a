package ai.iro.onnx.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.iro.onnx.runtime.Device;
import ai.iro.onnx.runtime.ExecutionOptions;
import ai.iro.onnx.runtime.OrtRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SentenceEncoder on the unquantized fixture (fixtures/sentence-encoder, made by make_fixtures.py:
 * token embedding k of id t is sin(t * (k + 1) / 100)) with MiniLM's tokenizer, against a Java
 * reference of mean pooling and L2 normalisation.
 */
class SentenceEncoderFixtureTest {
  static final Path FIXTURE = Path.of("src/test/resources/fixtures/sentence-encoder/model.onnx");
  static final int FIXTURE_DIMENSION = 8;
  /** float32 sin in ONNX Runtime against double in Java, then a float mean. */
  private static final double REFERENCE_TOLERANCE = 1e-5;
  /** Tokens are independent in the fixture and padding is masked out: batching changes nothing. */
  private static final double BATCH_TOLERANCE = 1e-6;

  @TempDir
  static Path dir;
  static Path tokenizerFile;
  private static SentenceEncoder encoder;

  @BeforeAll
  static void load() throws IOException {
    tokenizerFile = dir.resolve("tokenizer.json");
    Files.write(tokenizerFile, MiniLm.bytes(MiniLm.TOKENIZER_RESOURCE));
    encoder = SentenceEncoder.load(FIXTURE, tokenizerFile);
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  /** The reference: [CLS] ... [SEP] ids from DJL directly, mean of sin(id * (k+1)/100), normalised. */
  static float[] reference(String text, boolean normalize) throws IOException {
    try (HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(tokenizerFile, Map.of("addSpecialTokens", "true"))) {
      long[] ids = t.encode(text).getIds();
      double[] mean = new double[FIXTURE_DIMENSION];
      for (long id : ids) {
        for (int k = 0; k < FIXTURE_DIMENSION; k++) {
          mean[k] += Math.sin(id * (float) ((k + 1) / 100.0)) / ids.length;
        }
      }
      double norm = 0;
      for (double v : mean) {
        norm += v * v;
      }
      float[] out = new float[FIXTURE_DIMENSION];
      for (int k = 0; k < FIXTURE_DIMENSION; k++) {
        out[k] = (float) (normalize ? mean[k] / Math.sqrt(norm) : mean[k]);
      }
      return out;
    }
  }

  @Test
  void meanPoolsAndNormalisesLikeTheReference() throws IOException {
    List<String> texts = List.of("A man is eating food.", "Short.", "The girl is carrying a baby on her back.");
    float[][] e = encoder.encode(texts);
    assertThat(encoder.dimension()).isEqualTo(FIXTURE_DIMENSION);
    for (int i = 0; i < texts.size(); i++) {
      float[] ref = reference(texts.get(i), true);
      for (int k = 0; k < FIXTURE_DIMENSION; k++) {
        assertThat((double) e[i][k]).as("text %s, dim %s", i, k).isCloseTo(ref[k], within(REFERENCE_TOLERANCE));
      }
    }
  }

  @Test
  void withoutNormalisationGivesTheMean() throws IOException {
    try (SentenceEncoder raw = SentenceEncoder.builder().modelFile(FIXTURE).tokenizerFile(tokenizerFile)
        .maxLength(64).normalize(false).execution(ExecutionOptions.cpu(1)).build()) {
      float[] e = raw.encode("A man is riding a horse.");
      float[] ref = reference("A man is riding a horse.", false);
      for (int k = 0; k < FIXTURE_DIMENSION; k++) {
        assertThat((double) e[k]).isCloseTo(ref[k], within(REFERENCE_TOLERANCE));
      }
    }
  }

  @Test
  void batchedEqualsOneAtATime() {
    List<String> texts = List.of("A man is eating food.", "Short.", "one two three four five six seven eight", "");
    float[][] batched = encoder.encode(texts);
    for (int i = 0; i < texts.size(); i++) {
      float[] alone = encoder.encode(texts.get(i));
      for (int k = 0; k < alone.length; k++) {
        assertThat((double) batched[i][k]).as("text %s, dim %s", i, k).isCloseTo(alone[k], within(BATCH_TOLERANCE));
      }
    }
  }

  @Test
  void smallBatchesEqualOneBatch() {
    List<String> texts = List.of("a", "b c", "d e f", "g h i j", "k");
    try (SentenceEncoder pairs = SentenceEncoder.builder().modelFile(FIXTURE).tokenizerFile(tokenizerFile)
        .batchSize(2).build()) {
      float[][] small = pairs.encode(texts);
      float[][] one = encoder.encode(texts);
      for (int i = 0; i < texts.size(); i++) {
        for (int k = 0; k < FIXTURE_DIMENSION; k++) {
          assertThat((double) small[i][k]).isCloseTo(one[i][k], within(BATCH_TOLERANCE));
        }
      }
    }
  }

  @Test
  void builderRejectsBadSettings() {
    assertThatThrownBy(() -> SentenceEncoder.builder().batchSize(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize must be at least 1, found 0");
    assertThatThrownBy(() -> SentenceEncoder.builder().maxLength(1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxLength");
    assertThatThrownBy(() -> SentenceEncoder.builder().tokenizerFile(tokenizerFile).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("model");
    assertThatThrownBy(() -> SentenceEncoder.builder().execution(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("execution");
    assertThat(SentenceEncoder.DEFAULT_EXECUTION).isEqualTo(ExecutionOptions.cpu(1));
  }

  @Test
  void theExecutionDeviceReachesOnnxRuntime() {
    assumeThat(OrtRuntime.hasCudaProvider()).as("the CPU build of ONNX Runtime (the default, without -Pcuda)")
        .isFalse();
    assertThatThrownBy(() -> SentenceEncoder.builder().modelFile(FIXTURE).tokenizerFile(tokenizerFile)
        .execution(ExecutionOptions.cpu(1).withDevice(Device.cuda(2))).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("cuda:2");
  }

  @Test
  void emptyListGivesNoRows() {
    assertThat(encoder.encode(List.of())).isEmpty();
  }

  @Test
  void aGraphWithOtherInputsIsRejectedNamingThem() throws IOException {
    Path noLogits = Path.of("src/test/resources/fixtures/no-logits/model.onnx");
    assertThatThrownBy(() -> SentenceEncoder.load(noLogits, tokenizerFile))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(noLogits.toString())
        .hasMessageContaining("past_key_values.0.key")
        .hasMessageContaining("expected input_ids and attention_mask");
  }
}
