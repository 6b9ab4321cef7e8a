package ai.iro.onnx.reward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.iro.onnx.reward.OnnxRewardModel.Input;
import ai.iro.onnx.reward.OnnxRewardModel.Truncation;
import ai.iro.onnx.runtime.Device;
import ai.iro.onnx.runtime.ExecutionOptions;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.iro.onnx.text.TextTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OnnxRewardModel on the sequence-classification fixtures (fixtures/reward-classifier and
 * reward-single, made by make_fixtures.py) with models/kjv-tiny's tokenizer, which adds no special
 * tokens: logit k of a pair is the mean over its tokens t of ((t * (37 + 16 k)) % 101) / 100 - 0.5.
 */
class OnnxRewardModelTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures");
  static final Path CLASSIFIER = FIXTURES.resolve("reward-classifier/model.onnx");
  static final Path SINGLE = FIXTURES.resolve("reward-single/model.onnx");
  /**
   * kjv-tiny's tokenizer without its post-processor (which puts {@code <|endoftext|>} before each
   * text, as the model was trained), so that a pair is the plain concatenation the reference sums.
   */
  static final Path TOKENIZER = plainTokenizer(
      Path.of(System.getProperty("iro.model.dir", "../models/kjv-tiny")).resolve("tokenizer.json"));
  /** float32 sums in ONNX Runtime against a double mean in Java. */
  private static final double REFERENCE_TOLERANCE = 1e-5;
  /** Padding is masked out and adds exact zeros: batching changes nothing beyond rounding. */
  private static final double BATCH_TOLERANCE = 1e-6;

  private static final List<String> PROMPTS = List.of("In the beginning", "And God said,", "Amen",
      "The LORD is my shepherd;", "Blessed are the meek:");
  private static final List<String> RESPONSES = List.of(" God created the heaven and the earth.",
      " Let there be light: and there was light.", "", " I shall not want.", " for they shall inherit the earth.");

  private static TextTokenizer kjv;

  private static Path plainTokenizer(Path shipped) {
    try {
      String json = java.nio.file.Files.readString(shipped);
      int start = json.indexOf("\"post_processor\"");
      int end = json.indexOf("\"decoder\"", start);
      Path plain = java.nio.file.Files.createTempFile("kjv-tokenizer-plain-", ".json");
      plain.toFile().deleteOnExit();
      java.nio.file.Files.writeString(plain, json.substring(0, start) + "\"post_processor\": null,\n " + json.substring(end));
      return plain;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @BeforeAll
  static void load() {
    kjv = TextTokenizer.load(TOKENIZER);
  }

  @AfterAll
  static void close() {
    kjv.close();
  }

  static double reference(int[] tokens, int label) {
    double sum = 0;
    for (int t : tokens) {
      sum += ((t * (37 + 16 * label)) % 101) / 100f - 0.5f;
    }
    return sum / tokens.length;
  }

  static int[] pair(String prompt, String response) {
    int[] p = kjv.encode(prompt);
    int[] r = kjv.encode(response);
    int[] out = Arrays.copyOf(p, p.length + r.length);
    System.arraycopy(r, 0, out, p.length, r.length);
    return out;
  }

  private static OnnxRewardModel.Builder classifier() {
    return OnnxRewardModel.builder().modelFile(CLASSIFIER).tokenizerFile(TOKENIZER);
  }

  /** Each pair's score against {@link #reference} for {@code label}, on the text-pair tokens. */
  private static void assertScoresFollowTheReference(OnnxRewardModel rm, int label) {
    double[] scores = rm.score(PROMPTS, RESPONSES);
    for (int i = 0; i < PROMPTS.size(); i++) {
      assertThat(scores[i]).as("label %s, pair %s", label, i)
          .isCloseTo(reference(pair(PROMPTS.get(i), RESPONSES.get(i)), label), within(REFERENCE_TOLERANCE));
    }
  }

  @Test
  void scoresMatchTheReferenceForEachLabel() {
    for (int label = 0; label < 2; label++) {
      try (OnnxRewardModel rm = classifier().labelIndex(label).build()) {
        assertThat(rm.labels()).isEqualTo(2);
        double[] scores = rm.score(PROMPTS, RESPONSES);
        for (int i = 0; i < PROMPTS.size(); i++) {
          int[] tokens = pair(PROMPTS.get(i), RESPONSES.get(i));
          assertThat(rm.tokenize(i, PROMPTS.get(i), RESPONSES.get(i))).as("pair %s", i)
              .containsExactly(Arrays.stream(tokens).asLongStream().toArray());
          assertThat(scores[i]).as("label %s, pair %s", label, i)
              .isCloseTo(reference(tokens, label), within(REFERENCE_TOLERANCE));
        }
      }
    }
  }

  @Test
  void idNamesTheFilesContentAndEverySettingThatChangesAScore() throws Exception {
    String sha = com.google.common.io.Files.asByteSource(CLASSIFIER.toFile())
        .hash(com.google.common.hash.Hashing.sha256()).toString();
    try (OnnxRewardModel label0 = classifier().labelIndex(0).build();
         OnnxRewardModel again = classifier().labelIndex(0).build();
         OnnxRewardModel label1 = classifier().labelIndex(1).build();
         OnnxRewardModel concatenated = classifier().labelIndex(0).input(Input.CONCATENATED).build()) {
      assertThat(label0.id().orElseThrow()).startsWith("onnx-reward:sha256-" + sha + ":").contains("label=0");
      assertThat(again.id()).isEqualTo(label0.id());
      assertThat(label1.id()).isNotEqualTo(label0.id());
      assertThat(concatenated.id()).isNotEqualTo(label0.id());
    }
  }

  @Test
  void concatenatedInputEncodesPromptAndResponseAsOneText() {
    try (OnnxRewardModel rm = classifier().labelIndex(1).input(Input.CONCATENATED).build()) {
      double[] scores = rm.score(PROMPTS, RESPONSES);
      for (int i = 0; i < PROMPTS.size(); i++) {
        int[] tokens = kjv.encode(PROMPTS.get(i) + RESPONSES.get(i));
        assertThat(scores[i]).isCloseTo(reference(tokens, 1), within(REFERENCE_TOLERANCE));
      }
    }
  }

  @Test
  void batchingEqualsUnbatched() {
    try (OnnxRewardModel one = classifier().labelIndex(0).batchSize(1).build();
         OnnxRewardModel two = classifier().labelIndex(0).batchSize(2).build();
         OnnxRewardModel all = classifier().labelIndex(0).batchSize(64).build()) {
      double[] a = one.score(PROMPTS, RESPONSES);
      double[] b = two.score(PROMPTS, RESPONSES);
      double[] c = all.score(PROMPTS, RESPONSES);
      for (int i = 0; i < a.length; i++) {
        assertThat(b[i]).isCloseTo(a[i], within(BATCH_TOLERANCE));
        assertThat(c[i]).isCloseTo(a[i], within(BATCH_TOLERANCE));
      }
    }
  }

  @Test
  void twoThreadsPerOperatorScoreLikeTheReference() {
    try (OnnxRewardModel rm = classifier().labelIndex(1).execution(ExecutionOptions.cpu(2)).build()) {
      assertScoresFollowTheReference(rm, 1);
    }
  }

  @Test
  void theExecutionDeviceReachesOnnxRuntime() {
    assumeThat(OrtRuntime.hasCudaProvider()).as("the CPU build of ONNX Runtime (the default, without -Pcuda)")
        .isFalse();
    ExecutionOptions gpu = ExecutionOptions.cpu(1).withDevice(Device.cuda(2));
    assertThatThrownBy(() -> classifier().labelIndex(0).execution(gpu).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("cuda:2");
  }

  @Test
  void executionDefaultsToOneCpuThreadAndRejectsNull() {
    assertThat(OnnxRewardModel.DEFAULT_EXECUTION).isEqualTo(ExecutionOptions.cpu(1));
    assertThatThrownBy(() -> classifier().execution(null))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("execution");
  }

  @Test
  void singleLogitNeedsNoLabelIndex() {
    try (OnnxRewardModel rm = OnnxRewardModel.builder().modelFile(SINGLE).tokenizerFile(TOKENIZER).build()) {
      assertThat(rm.labels()).isEqualTo(1);
      assertThat(rm.labelIndex()).isZero();
      assertScoresFollowTheReference(rm, 0);
    }
  }

  @Test
  void labelIndexOutOfRangeOrMissingIsAClearError() {
    assertThatThrownBy(() -> OnnxRewardModel.builder().modelFile(SINGLE).tokenizerFile(TOKENIZER).labelIndex(1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("labelIndex 1 is out of range")
        .hasMessageContaining("1 label (expected 0..0)");
    assertThatThrownBy(() -> classifier().labelIndex(2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("labelIndex 2 is out of range")
        .hasMessageContaining(CLASSIFIER.toString());
    assertThatThrownBy(() -> classifier().build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has 2 labels: set labelIndex");
    assertThatThrownBy(() -> classifier().labelIndex(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
  }

  @Test
  void truncationPolicies() {
    int max = 4;
    String prompt = PROMPTS.get(1);
    String response = RESPONSES.get(1);
    int[] tokens = pair(prompt, response);
    assertThat(tokens.length).isGreaterThan(max);
    List<String> prompts = List.of(PROMPTS.get(2), prompt);
    List<String> responses = List.of(RESPONSES.get(2), response);
    try (OnnxRewardModel fail = classifier().labelIndex(0).maxLength(max).build()) {
      assertThat(fail.truncation()).isEqualTo(Truncation.FAIL);
      assertThatThrownBy(() -> fail.score(prompts, responses))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("pair 1 is " + tokens.length + " tokens")
          .hasMessageContaining("prompt " + kjv.encode(prompt).length)
          .hasMessageContaining("response " + kjv.encode(response).length)
          .hasMessageContaining("maxLength " + max);
    }
    try (OnnxRewardModel left = classifier().labelIndex(0).maxLength(max).truncation(Truncation.TRUNCATE_LEFT).build();
         OnnxRewardModel right = classifier().labelIndex(0).maxLength(max).truncation(Truncation.TRUNCATE_RIGHT).build()) {
      double[] l = left.score(prompts, responses);
      double[] r = right.score(prompts, responses);
      int[] end = Arrays.copyOfRange(tokens, tokens.length - max, tokens.length);
      int[] start = Arrays.copyOf(tokens, max);
      assertThat(l[1]).isCloseTo(reference(end, 0), within(REFERENCE_TOLERANCE));
      assertThat(r[1]).isCloseTo(reference(start, 0), within(REFERENCE_TOLERANCE));
      int[] shortPair = pair(prompts.get(0), responses.get(0));
      assertThat(l[0]).isCloseTo(reference(shortPair, 0), within(REFERENCE_TOLERANCE));
      assertThat(r[0]).isCloseTo(reference(shortPair, 0), within(REFERENCE_TOLERANCE));
    }
  }

  @Test
  void truncationKeepsTheSpecialTokensAtTheKeptEdge(@TempDir Path tmp) throws java.io.IOException {
    // MiniLM's BERT tokenizer: a text pair is [CLS] prompt [SEP] response [SEP] ([CLS] = 101, [SEP] = 102).
    Path bert = tmp.resolve("tokenizer.json");
    try (var in = OnnxRewardModelTest.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2-q-tokenizer.json")) {
      java.nio.file.Files.write(bert, in.readAllBytes());
    }
    String prompt = "one two three";
    String response = "four five six seven";
    try (OnnxRewardModel full = OnnxRewardModel.builder().modelFile(CLASSIFIER).tokenizerFile(bert).labelIndex(0).build();
         OnnxRewardModel left = OnnxRewardModel.builder().modelFile(CLASSIFIER).tokenizerFile(bert).labelIndex(0)
             .maxLength(4).truncation(Truncation.TRUNCATE_LEFT).build();
         OnnxRewardModel right = OnnxRewardModel.builder().modelFile(CLASSIFIER).tokenizerFile(bert).labelIndex(0)
             .maxLength(4).truncation(Truncation.TRUNCATE_RIGHT).build()) {
      long[] all = full.tokenize(0, prompt, response);
      assertThat(all).hasSize(10).startsWith(101L).endsWith(102L);
      assertThat(all[4]).isEqualTo(102L);
      // TRUNCATE_LEFT keeps [CLS] and the end of the response (six seven [SEP]).
      assertThat(left.tokenize(0, prompt, response)).containsExactly(101L, all[7], all[8], 102L);
      // TRUNCATE_RIGHT keeps the start (one two three) and the final [SEP].
      assertThat(right.tokenize(0, prompt, response)).containsExactly(101L, all[1], all[2], 102L);
    }
  }

  @Test
  void aGraphWithoutLogitsIsAClearError() {
    Path noLogits = FIXTURES.resolve("no-logits/model.onnx");
    assertThatThrownBy(() -> OnnxRewardModel.builder().modelFile(noLogits).tokenizerFile(TOKENIZER).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(noLogits.toString())
        .hasMessageContaining("[scores]")
        .hasMessageContaining("expected an output named logits");
  }

  @Test
  void wrongInputsAreNamedExpectedAgainstFound() {
    Path wrong = FIXTURES.resolve("reward-wrong-inputs/model.onnx");
    assertThatThrownBy(() -> OnnxRewardModel.builder().modelFile(wrong).tokenizerFile(TOKENIZER).labelIndex(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(wrong.toString())
        .hasMessageContaining("has inputs [input_ids, position_ids]")
        .hasMessageContaining("expected [attention_mask, input_ids] and optionally token_type_ids");
  }

  @Test
  void tokenLevelLogitsAreRejected() {
    Path decoder = FIXTURES.resolve("toy-decoder/decoder_model_merged.onnx");
    assertThatThrownBy(() -> OnnxRewardModel.builder().modelFile(decoder).tokenizerFile(TOKENIZER).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(decoder.toString())
        .hasMessageContaining("expected [batch, labels]");
  }

  @Test
  void missingFilesAndMismatchedListsAreNamed(@TempDir Path tmp) {
    Path missing = tmp.resolve("tokenizer.json");
    assertThatThrownBy(() -> OnnxRewardModel.builder().modelFile(CLASSIFIER).tokenizerFile(missing).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> OnnxRewardModel.builder().tokenizerFile(TOKENIZER).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("modelFile");
    try (OnnxRewardModel rm = classifier().labelIndex(0).build()) {
      assertThatThrownBy(() -> rm.score(List.of("a", "b"), List.of("c")))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 prompts but 1 responses");
    }
  }

  @Test
  void closeIsIdempotentAndLaterUseFails() {
    OnnxRewardModel rm = classifier().labelIndex(0).build();
    rm.close();
    rm.close();
    assertThatThrownBy(() -> rm.score(PROMPTS, RESPONSES))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }
}
