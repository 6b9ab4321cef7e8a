package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prompts longer than the context, on the toy bigram decoder (context 64 positions; the shipped
 * tokenizer, whose post-processor puts {@code <|endoftext|>} before every prompt) with no
 * end-of-sequence id, so that rows run to their length limit.
 */
class PromptTruncationTest {
  private static final int CONTEXT = 64;
  private static final String LONG = "And God said, Let there be light: and there was light. ".repeat(8);

  @TempDir
  Path tmp;
  private Path dir;

  @BeforeEach
  void toyDirectory() throws IOException {
    dir = Files.createDirectories(tmp.resolve("toy"));
    Files.copy(ToyDecoderTest.FIXTURE.resolve("decoder_model_merged.onnx"), dir.resolve("decoder_model_merged.onnx"));
    Files.copy(ToyDecoderTest.FIXTURE.resolve("config.json"), dir.resolve("config.json"));
    Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": []}\n");
    Files.copy(ShippedModel.directory().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
  }

  private OnnxCausalLM keepEnd() {
    return OnnxCausalLM.builder().modelDirectory(dir).promptTruncation(PromptTruncation.KEEP_END).build();
  }

  @Test
  void longPromptFailsByDefault() {
    try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
      assertThat(lm.contextLength()).isEqualTo(CONTEXT);
      assertThat(lm.promptTruncation()).isEqualTo(PromptTruncation.FAIL);
      int length = lm.encodePrompt(LONG).length;
      assertThat(length).isGreaterThan(CONTEXT);
      assertThatThrownBy(() -> lm.open(List.of("And", LONG), Sampling.greedy(4), 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("prompt 1 has " + length + " tokens")
          .hasMessageContaining("is " + CONTEXT + " tokens")
          .hasMessageContaining("KEEP_END");
    }
  }

  @Test
  void keepEndKeepsThePrefixAndTheLastTokens() {
    try (OnnxCausalLM lm = keepEnd()) {
      List<Integer> prefix = lm.promptPrefix();
      assertThat(prefix).isNotEmpty();
      int[] text = lm.encode(LONG);
      int[] expected = new int[CONTEXT - 1];
      for (int i = 0; i < prefix.size(); i++) {
        expected[i] = prefix.get(i);
      }
      System.arraycopy(text, text.length - (CONTEXT - 1 - prefix.size()), expected, prefix.size(),
          CONTEXT - 1 - prefix.size());
      assertThat(lm.encodePrompt(LONG)).containsExactly(expected);
      assertThat(lm.toBuilder().build().promptTruncation()).isEqualTo(PromptTruncation.KEEP_END);
      try (OnnxCausalLM plain = OnnxCausalLM.load(dir)) {
        assertThat(lm.encodePrompt("And God said")).as("a prompt that fits is not cut")
            .containsExactly(plain.encodePrompt("And God said"));
      }
    }
  }

  @Test
  void truncatedPromptGetsExactlyOneToken() {
    try (OnnxCausalLM lm = keepEnd(); Decoding d = lm.open(List.of(LONG), Sampling.greedy(10), 1)) {
      d.extend(10);
      assertThat(d.prompt(0)).isEqualTo(LONG);
      assertThat(d.responseLength(0)).isEqualTo(1);
      assertThat(d.finishReason(0)).contains(FinishReason.LENGTH);
      int[] ids = lm.encodePrompt(LONG);
      assertThat(d.responseTokens(0)).containsExactly(Reference.argmax(lm.logits(ids)[ids.length - 1]));
    }
  }

  @Test
  void leftPaddedBatchNeverTakesARowPastTheContext() {
    List<String> prompts = List.of(LONG, "And", LONG.substring(0, 120), "Blessed are the meek");
    try (OnnxCausalLM lm = keepEnd(); Decoding d = lm.open(prompts, Sampling.greedy(CONTEXT), 7)) {
      d.extend(8);
      d.reorder(new int[] {0, 1, 1, 2, 3, 3});
      d.extend(CONTEXT);
      assertThat(d.allFinished()).isTrue();
      for (int r = 0; r < d.size(); r++) {
        int[] prompt = lm.encodePrompt(d.prompt(r));
        int total = prompt.length + d.responseLength(r);
        assertThat(total).as("row %s", r).isLessThanOrEqualTo(CONTEXT);
        assertThat(d.responseLength(r)).as("row %s runs to the end of the context, padding aside", r)
            .isEqualTo(CONTEXT - prompt.length);
        // The bigram's next token depends on the last token alone: check the whole response by the naive pass.
        int[] sequence = Arrays.copyOf(prompt, total);
        System.arraycopy(d.responseTokens(r), 0, sequence, prompt.length, d.responseLength(r));
        float[][] logits = lm.logits(Arrays.copyOf(sequence, total - 1));
        for (int j = 0; j < d.responseLength(r); j++) {
          assertThat(sequence[prompt.length + j]).as("row %s token %s", r, j)
              .isEqualTo(Reference.argmax(logits[prompt.length - 1 + j]));
        }
      }
    }
  }

  @Test
  void valueFeaturesOfATruncatedPromptAreThoseTheDecodingSees() {
    String prompt = LONG.repeat(6);
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(ShippedModel.directory())
        .promptTruncation(PromptTruncation.KEEP_END).build();
        Decoding d = lm.open(List.of("And God said", prompt), Sampling.greedy(4), 3)) {
      assertThat(lm.encodePrompt(prompt)).hasSize(lm.contextLength() - 1);
      float[] afterPrompt = d.features().orElseThrow()[1];
      d.extend(1);
      float[] afterToken = d.features().orElseThrow()[1];
      assertThat(d.responseLength(1)).isEqualTo(1);
      float[][] prefixes = lm.prefixFeatures(prompt, d.responseTokens(1));
      assertThat(maxAbsDifference(afterPrompt, prefixes[0])).as("after the prompt")
          .isLessThan(EquivalenceContract.HIDDEN_TOLERANCE);
      assertThat(maxAbsDifference(afterToken, prefixes[1])).as("after its token")
          .isLessThan(EquivalenceContract.HIDDEN_TOLERANCE);
    }
  }

  private static double maxAbsDifference(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }
}
