package ai.iro.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.Aligner;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Searcher;
import ai.iro.onnx.features.ModelFeatures;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.value.MlpValueTrainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One {@link OnnxCausalLM} and one {@link AlignedPolicy} (MLP value heads on the model's hidden
 * state) shared by 2 x cores threads, all started at once: every thread's results equal the serial
 * calls' — decodings, prefix features, and the policy's generations.
 */
@Timeout(300)
class ThreadSafetyTest {
  private static final int THREADS = 2 * Runtime.getRuntime().availableProcessors();
  private static final List<String> PROMPTS = List.of("And God said", "Blessed are they that", "In the beginning",
      "The LORD is my", "And it came to pass", "Behold, I send", "Thou shalt not", "Let there be");
  private static final Sampling SAMPLING = Sampling.builder().maxNewTokens(12).build();

  private static OnnxCausalLM lm;
  private static AlignedPolicy policy;

  @BeforeAll
  static void alignATinyPolicy() {
    lm = OnnxCausalLM.load(Path.of(System.getProperty("iro.model.dir", "../models/kjv-tiny")));
    ModelFeatures features = new ModelFeatures("kjv-tiny", lm.hiddenSize().orElseThrow(), lm::prefixFeatures);
    RewardModel vowels = RewardModel.of("vowel-share-v1", (prompt, response) ->
        response.chars().filter(c -> "aeiou".indexOf(c) >= 0).count() / (1.0 + response.length()));
    policy = Aligner.builder().baseModel(lm).reward(vowels)
        .valueTrainer(MlpValueTrainer.builder().features(features).hiddenSizes(16).epochs(1).build())
        .searcher(Searcher.builder().beamWidth(2).children(2).chunkLength(4).sampling(SAMPLING).build())
        .iterations(1).initialSamples(2).seed(9).build()
        .align(PromptDataset.of(PROMPTS.subList(0, 4)));
  }

  @AfterAll
  static void close() {
    lm.close();
  }

  /** Everything one thread computes, in a fixed order starting at prompt {@code first}. */
  private static List<String> work(int first) {
    List<String> out = new ArrayList<>();
    for (int k = 0; k < PROMPTS.size(); k++) {
      int i = (first + k) % PROMPTS.size();
      String prompt = PROMPTS.get(i);
      try (Decoding d = lm.open(List.of(prompt, prompt), SAMPLING, 100 + i)) {
        d.extend(SAMPLING.maxNewTokens());
        out.add(i + " decode: " + d.responseText(0) + " | " + d.responseText(1));
      }
      out.add(i + " features: " + Arrays.deepToString(lm.prefixFeatures(prompt, lm.encode(" and the"))));
      out.add(i + " policy: " + policy.generate(prompt));
      out.add(i + " value pick: " + policy.withoutReward().generate(prompt));
    }
    out.sort(null);
    return out;
  }

  @Test
  void sharedModelAndPolicyGiveTheSerialResultsOnEveryThread() throws Exception {
    List<String> serial = work(0);
    CyclicBarrier start = new CyclicBarrier(THREADS);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        int first = t;
        results.add(pool.submit(() -> {
          start.await();
          return work(first);
        }));
      }
      for (Future<List<String>> r : results) {
        assertThat(r.get(240, TimeUnit.SECONDS)).isEqualTo(serial);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf("%d threads shared one OnnxCausalLM and one AlignedPolicy: %d results each, all equal to serial%n",
        THREADS, serial.size());
  }
}
