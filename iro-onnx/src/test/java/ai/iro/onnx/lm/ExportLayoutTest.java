package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.runtime.ExecutionOptions;
import ai.onnxruntime.OnnxJavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every export layout of make_layouts.py (src/test/resources/fixtures) against the PyTorch model it
 * was exported from (golden.json: last-position logits, arg max per position, greedy tokens), and
 * the cached, batched, forked decoding against naive recomputation with the same graph.
 */
class ExportLayoutTest {
  static final Path FIXTURES = Path.of("src/test/resources/fixtures");
  /** Largest allowed |ONNX Runtime logit - PyTorch logit| for float32 graphs (both float32). */
  static final double FP32_TOLERANCE = 1e-4;
  /**
   * Largest allowed |ONNX Runtime logit - PyTorch float32 logit| for the fp16 graph: its weights
   * and every intermediate tensor are rounded to float16 (relative step 2^-11), on logits of
   * magnitude up to about 15.
   */
  static final double FP16_TOLERANCE = 0.02;
  private static final int GREEDY = 12;

  /** One fixture: a directory, the variant to load, and its tolerance. */
  record Layout(String fixture, Optional<String> variant, double tolerance) {
    @Override
    public String toString() {
      return fixture + variant.map(v -> " (" + v + ")").orElse("");
    }
  }

  static Stream<Layout> layouts() {
    return Stream.of(
        new Layout("layout-merged", Optional.empty(), FP32_TOLERANCE),
        new Layout("layout-split", Optional.empty(), FP32_TOLERANCE),
        new Layout("layout-fp16", Optional.empty(), FP32_TOLERANCE),
        new Layout("layout-fp16", Optional.of("fp16"), FP16_TOLERANCE),
        new Layout("gemma-head", Optional.empty(), FP32_TOLERANCE),
        new Layout("logits-to-keep", Optional.empty(), FP32_TOLERANCE));
  }

  @TempDir
  Path tmp;
  private int copies;

  /** A copy of the fixture with the shipped model's tokenizer (the fixtures share its vocabulary). */
  private Path directory(String fixture) {
    return copyFixture(fixture, tmp.resolve(fixture + "-" + copies++));
  }

  /** Copies fixture {@code fixture} into {@code dir} with the shipped model's tokenizer files; returns {@code dir}. */
  static Path copyFixture(String fixture, Path dir) {
    try {
      Path source = FIXTURES.resolve(fixture);
      try (Stream<Path> files = Files.walk(source)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          Path to = dir.resolve(source.relativize(f).toString());
          Files.createDirectories(to.getParent());
          Files.copy(f, to);
        }
      }
      for (String name : List.of("tokenizer.json", "tokenizer_config.json")) {
        Files.copy(ShippedModel.directory().resolve(name), dir.resolve(name));
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private OnnxCausalLM load(Layout layout) {
    OnnxCausalLM.Builder b = OnnxCausalLM.builder().modelDirectory(directory(layout.fixture()));
    layout.variant().ifPresent(b::variant);
    return b.build();
  }

  /** The spec of a model directory's graph (read by opening it once on the CPU). */
  private static DecoderSpec spec(Path dir, Optional<String> variant) {
    try (DecoderRuntime runtime = DecoderRuntime.open(ModelDirectory.read(dir, Optional.empty(), variant),
        ExecutionOptions.cpu(1))) {
      return runtime.spec();
    }
  }

  private static JsonNode golden(Layout layout) throws IOException {
    return new ObjectMapper().readTree(FIXTURES.resolve(layout.fixture()).resolve("golden.json").toFile());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layouts")
  void logitsMatchPyTorch(Layout layout) throws IOException {
    JsonNode golden = golden(layout);
    if (layout.variant().isPresent()) {
      assertThat(golden.get("min_greedy_margin").asDouble()).as("greedy is decided the same within the tolerance")
          .isGreaterThan(2 * layout.tolerance());
    }
    try (OnnxCausalLM lm = load(layout)) {
      for (JsonNode c : golden.get("cases")) {
        String text = c.get("text").asText();
        int[] ids = EquivalenceContract.ints(c.get("input_ids"));
        assertThat(lm.encodePrompt(text)).as("input ids of '%s'", text).containsExactly(ids);
        float[][] logits = lm.logits(ids);
        assertThat(logits).as("one row per position").hasNumberOfRows(ids.length);
        assertThat(EquivalenceContract.maxAbsDifference(logits[ids.length - 1],
            EquivalenceContract.doubles(c.get("last_logits"))))
            .as("max |logit difference| with PyTorch for '%s'", text).isLessThan(layout.tolerance());
        if (layout.variant().isEmpty()) {
          int[] argmax = EquivalenceContract.ints(c.get("argmax_per_position"));
          for (int p = 0; p < argmax.length; p++) {
            assertThat(Reference.argmax(logits[p])).as("argmax at position %s of '%s'", p, text).isEqualTo(argmax[p]);
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("layouts")
  void batchedCachedGreedyMatchesPyTorch(Layout layout) throws IOException {
    JsonNode cases = golden(layout).get("cases");
    List<String> texts = new ArrayList<>();
    cases.forEach(c -> texts.add(c.get("text").asText()));
    try (OnnxCausalLM lm = load(layout); Decoding d = lm.open(texts, Sampling.greedy(GREEDY), 1)) {
      assertThat(lm.eosTokenIds()).isEmpty();
      d.extend(3);
      d.extend(GREEDY);
      for (int i = 0; i < texts.size(); i++) {
        assertThat(d.responseTokens(i)).as("greedy continuation of '%s'", texts.get(i))
            .containsExactly(EquivalenceContract.ints(cases.get(i).get("greedy_continuation")));
      }
    }
  }

  /** Rows forked and pushed apart continue exactly as greedy recomputation of their own prefixes with the same graph. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("layouts")
  void forkedRowsContinueLikeRecomputedPrefixes(Layout layout) {
    List<String> prompts = List.of("Blessed", "And the LORD spake unto Moses, saying,");
    try (OnnxCausalLM lm = load(layout); Decoding d = lm.open(prompts, Sampling.greedy(GREEDY), 1)) {
      d.extend(4);
      d.reorder(new int[] {1, 0, 1});
      int[] forced = new int[d.size()];
      for (int i = 0; i < forced.length; i++) {
        float[][] logits = lm.logits(Reference.concat(lm.encodePrompt(d.prompt(i)), d.responseTokens(i)));
        forced[i] = Reference.argmax(logits[logits.length - 1]);
      }
      forced[2] = (forced[2] + 1) % lm.vocabularySize();
      d.force(forced);
      d.extend(GREEDY);
      for (int i = 0; i < d.size(); i++) {
        int[] tokens = d.responseTokens(i);
        assertThat(tokens).hasSize(GREEDY);
        int[] prefix = Arrays.copyOf(tokens, 5);
        int[] rest = Reference.greedy(lm, Reference.concat(lm.encodePrompt(d.prompt(i)), prefix), GREEDY - 5, Set.of());
        assertThat(tokens).as("row %s", i).containsExactly(Reference.concat(prefix, rest));
      }
      assertThat(d.responseTokens(0)).as("forks diverged").isNotEqualTo(d.responseTokens(2));
    }
  }

  @Test
  void splitPairRunsTheFirstPassOnDecoderModel() {
    Path dir = directory("layout-split");
    try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
      assertThat(lm.modelFile()).isEqualTo(dir.resolve("decoder_with_past_model.onnx"));
      DecoderSpec spec = spec(dir, Optional.empty());
      assertThat(spec.firstPassFile()).contains(dir.resolve("decoder_model.onnx"));
      assertThat(spec.positionIdsInput()).isEmpty();
      assertThat(spec.weightFiles()).as("each graph, then its external data").containsExactly(
          dir.resolve("decoder_model.onnx"), dir.resolve("decoder_with_past_model.onnx"),
          dir.resolve("decoder_with_past_model.onnx.data"));
    }
  }

  @Test
  void splitPairWithAPastInTheFirstGraphFailsNamingIt() throws IOException {
    Path dir = directory("layout-split");
    Files.copy(FIXTURES.resolve("layout-merged/decoder_model_merged.onnx"), dir.resolve("decoder_model.onnx"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(() -> OnnxCausalLM.load(dir)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(dir.resolve("decoder_model.onnx").toString())
        .hasMessageContaining("expected [attention_mask, input_ids]");
  }

  @Test
  void withPastGraphAloneRunsTheFirstPassWithAnEmptyPast() throws IOException {
    Path dir = directory("layout-split");
    float[][] expected;
    int[] ids;
    try (OnnxCausalLM pair = OnnxCausalLM.load(dir)) {
      ids = pair.encodePrompt("In the beginning God created");
      expected = pair.logits(ids);
    }
    Files.delete(dir.resolve("decoder_model.onnx"));
    try (OnnxCausalLM alone = OnnxCausalLM.load(dir)) {
      assertThat(spec(dir, Optional.empty()).firstPassFile()).isEmpty();
      float[][] actual = alone.logits(ids);
      for (int i = 0; i < ids.length; i++) {
        assertThat(EquivalenceContract.maxAbsDifference(actual[i], EquivalenceContract.toDoubles(expected[i])))
            .as("position %s", i).isLessThan(FP32_TOLERANCE);
      }
    }
  }

  @Test
  void fp16VariantHasHalfPrecisionLogitsAndCache() {
    Layout fp16 = new Layout("layout-fp16", Optional.of("fp16"), FP16_TOLERANCE);
    try (OnnxCausalLM lm = load(fp16); OnnxCausalLM full = load(new Layout("layout-fp16", Optional.empty(), 0))) {
      assertThat(lm.modelFile().getFileName()).hasToString("model_fp16.onnx");
      DecoderSpec half = spec(lm.directory(), Optional.of("fp16"));
      assertThat(half.kvType()).isEqualTo(OnnxJavaType.FLOAT16);
      assertThat(half.logitsType()).isEqualTo(OnnxJavaType.FLOAT16);
      assertThat(half.hiddenType()).isEqualTo(OnnxJavaType.FLOAT16);
      assertThat(full.modelFile()).isEqualTo(full.directory().resolve("onnx/model.onnx"));
      assertThat(spec(full.directory(), Optional.empty()).kvType()).isEqualTo(OnnxJavaType.FLOAT);
      // The features after a prompt, through the fp16 cache and outputs, match the full float32 pass's.
      try (Decoding d = lm.open(List.of("Blessed are the"), Sampling.greedy(3), 1)) {
        d.extend(3);
        float[] cached = d.features().orElseThrow()[0];
        float[][] prefixes = full.prefixFeatures("Blessed are the", d.responseTokens(0));
        assertThat(EquivalenceContract.maxAbsDifference(cached, EquivalenceContract.toDoubles(prefixes[3])))
            .isLessThan(FP16_TOLERANCE);
      }
    }
  }

  @Test
  void gemmaStyleHeadSizeIsReadFromTheGraph() {
    try (OnnxCausalLM lm = load(new Layout("gemma-head", Optional.empty(), FP32_TOLERANCE))) {
      assertThat(lm.headSize()).isEqualTo(8);
      assertThat(lm.keyValueHeads()).isEqualTo(2);
      assertThat(lm.hiddenSize()).hasValue(16);
      DecoderSpec spec = spec(lm.directory(), Optional.empty());
      assertThat(spec.logitsToKeepInput()).contains("num_logits_to_keep");
      assertThat(spec.logitsToKeepRank()).isZero();
    }
    try (OnnxCausalLM lm = load(new Layout("logits-to-keep", Optional.empty(), FP32_TOLERANCE))) {
      DecoderSpec spec = spec(lm.directory(), Optional.empty());
      assertThat(spec.logitsToKeepInput()).contains("logits_to_keep");
      assertThat(spec.logitsToKeepRank()).isEqualTo(1);
    }
  }
}
