package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.runtime.ExecutionOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The model object: what it reads from the graph and configs, its options, its lifecycle. */
class OnnxCausalLMTest {

  @Test
  void readsTheArchitectureFromTheGraphAndTheConfigs() throws IOException {
    JsonNode config = new ObjectMapper().readTree(ShippedModel.directory().resolve("config.json").toFile());
    try (OnnxCausalLM lm = OnnxCausalLM.load(ShippedModel.directory())) {
      assertThat(lm.layers()).isEqualTo(config.get("num_hidden_layers").asInt());
      assertThat(lm.keyValueHeads()).isEqualTo(config.get("num_key_value_heads").asInt());
      assertThat(lm.headSize()).isEqualTo(config.get("head_dim").asInt());
      assertThat(lm.vocabularySize()).isEqualTo(config.get("vocab_size").asInt());
      assertThat(lm.hiddenSize()).hasValue(config.get("hidden_size").asInt());
      assertThat(lm.hiddenOutput()).hasValue("last_hidden_state");
      assertThat(lm.contextLength()).isEqualTo(config.get("max_position_embeddings").asInt());
      assertThat(lm.eosTokenIds()).containsExactly(config.get("eos_token_id").asInt());
      assertThat(lm.bosTokenId()).hasValue(config.get("bos_token_id").asInt());
      assertThat(lm.prependsBos()).isTrue();
      assertThat(lm.execution()).isEqualTo(OnnxCausalLM.DEFAULT_EXECUTION).isEqualTo(ExecutionOptions.allCores());
      assertThat(lm.toString()).contains("layers=" + lm.layers());
    }
  }

  @Test
  void bosIsPrependedByDefaultAndCanBeTurnedOff() {
    try (OnnxCausalLM with = OnnxCausalLM.load(ShippedModel.directory());
         OnnxCausalLM without = OnnxCausalLM.builder().modelDirectory(ShippedModel.directory()).prependBos(false).build()) {
      int[] text = with.encode("In the beginning");
      assertThat(text).doesNotContain(2047);
      assertThat(with.encodePrompt("In the beginning")).containsExactly(Reference.concat(new int[] {2047}, text));
      assertThat(without.encodePrompt("In the beginning")).containsExactly(text);
      assertThat(without.prependsBos()).isFalse();
      assertThat(without.toBuilder().build().prependsBos()).isFalse();
      assertThatThrownBy(() -> without.open(List.of(""), Sampling.greedy(2), 1))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }
  }

  @Test
  void decodeSkipsSpecialTokens() {
    try (OnnxCausalLM lm = OnnxCausalLM.load(ShippedModel.directory())) {
      int[] ids = lm.encode("And God said");
      assertThat(lm.decode(Reference.concat(ids, new int[] {2047}, ids))).isEqualTo("And God saidAnd God said");
    }
  }

  @Test
  void concurrentDecodingsOfOneModelGiveTheSequentialResults() throws InterruptedException, ExecutionException {
    List<String> prompts = List.of("And God said", "Blessed are", "In the beginning", "The LORD is my shepherd");
    Sampling s = Sampling.builder().temperature(1).maxNewTokens(20).build();
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(ShippedModel.directory()).execution(ExecutionOptions.cpu(1))
        .build()) {
      List<List<String>> sequential = new ArrayList<>();
      for (int seed = 0; seed < 4; seed++) {
        sequential.add(texts(lm, prompts, s, seed));
      }
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<List<String>>> futures = new ArrayList<>();
        for (int seed = 0; seed < 4; seed++) {
          long sd = seed;
          futures.add(pool.submit(() -> texts(lm, prompts, s, sd)));
        }
        for (int seed = 0; seed < 4; seed++) {
          assertThat(futures.get(seed).get()).isEqualTo(sequential.get(seed));
        }
      } finally {
        pool.shutdown();
      }
    }
  }

  private static List<String> texts(OnnxCausalLM lm, List<String> prompts, Sampling s, long seed) {
    try (Decoding d = lm.open(prompts, s, seed)) {
      d.reorder(new int[] {0, 1, 2, 3, 3, 2});
      d.extend(20);
      List<String> out = new ArrayList<>();
      for (int r = 0; r < d.size(); r++) {
        out.add(d.responseText(r));
      }
      return out;
    }
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseIsAnError() {
    OnnxCausalLM lm = OnnxCausalLM.load(ShippedModel.directory());
    Decoding open = lm.open(List.of("And"), Sampling.greedy(5), 1);
    lm.close();
    lm.close();
    assertThat(lm.isClosed()).isTrue();
    List<Runnable> uses = List.of(() -> lm.open(List.of("And"), Sampling.greedy(2), 1), () -> lm.decode(new int[] {1}),
        () -> lm.encodePrompt("And"), () -> lm.logits(new int[] {1}), () -> lm.prefixFeatures("And", new int[0]),
        () -> open.extend(1));
    for (Runnable use : uses) {
      assertThatThrownBy(use::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
    open.close();
  }

  @Test
  void builderValidates() {
    assertThatThrownBy(() -> OnnxCausalLM.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("modelDirectory");
    assertThatThrownBy(() -> OnnxCausalLM.builder().execution(ExecutionOptions.cpu(0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("found 0");
    assertThatThrownBy(() -> OnnxCausalLM.builder().execution(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("execution");
    assertThatThrownBy(() -> OnnxCausalLM.builder().modelDirectory(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void prefixFeaturesHaveOneRowPerPrefixState() {
    try (OnnxCausalLM lm = OnnxCausalLM.load(ShippedModel.directory())) {
      int[] response = lm.encode(" unto Moses");
      float[][] f = lm.prefixFeatures("And the LORD spake", response);
      assertThat(f).hasNumberOfRows(response.length + 1);
      assertThat(f[0]).hasSize(lm.hiddenSize().orElseThrow());
      assertThat(lm.prefixFeatures("And", new int[0])).hasNumberOfRows(1);
      // Each row equals the features of that prefix computed on its own, in a pass of its own.
      for (int j = 0; j <= response.length; j++) {
        float[][] alone = lm.prefixFeatures("And the LORD spake", java.util.Arrays.copyOf(response, j));
        float[] own = alone[alone.length - 1];
        for (int i = 0; i < own.length; i++) {
          assertThat((double) f[j][i]).as("prefix %s, feature %s", j, i)
              .isCloseTo(own[i], org.assertj.core.data.Offset.offset(PREFIX_FEATURE_TOLERANCE));
        }
      }
    }
  }

  /** Largest allowed difference between a prefix's features from the full pass and from its own pass. */
  private static final double PREFIX_FEATURE_TOLERANCE = 1e-4;
}
