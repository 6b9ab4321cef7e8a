package ai.iro.openai;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.Aligner;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.FeatureSource;
import ai.iro.onnx.features.TextFeatures;
import ai.iro.onnx.text.SentenceEncoder;
import ai.iro.onnx.value.MlpValueTrainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole remote setup of the README: {@link Aligner#align} over an {@link OpenAiCompatibleModel}
 * in token mode, with value heads ({@link MlpValueTrainer}) on {@link TextFeatures} of the real
 * all-MiniLM-L6-v2 sentence encoder, against the fake server. Tiny: 8 prompts, 2 iterations, 8 new
 * tokens.
 */
class RemoteAlignmentTest {
  private static final List<String> PROMPTS = IntStream.range(0, 8).mapToObj(i -> "tell me " + (char) ('a' + i) + " ")
      .toList();

  @TempDir
  static Path dir;
  private static SentenceEncoder encoder;

  private final FakeServer server = new FakeServer();

  @BeforeAll
  static void loadEncoder() throws IOException {
    encoder = SentenceEncoder.builder().modelFile(copy("all-minilm-l6-v2-q.onnx", "model.onnx"))
        .tokenizerFile(copy("all-minilm-l6-v2-q-tokenizer.json", "tokenizer.json")).build();
  }

  private static Path copy(String resource, String name) throws IOException {
    try (InputStream in = RemoteAlignmentTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as("classpath resource %s (langchain4j's all-MiniLM-L6-v2 jar)", resource).isNotNull();
      Path target = dir.resolve(name);
      Files.copy(in, target);
      return target;
    }
  }

  @AfterAll
  static void closeEncoder() {
    encoder.close();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** Counts the extend calls that have live rows: each should be exactly one request. */
  private static final class CountingModel implements BaseModel {
    final BaseModel model;
    final AtomicInteger liveExtends = new AtomicInteger();

    CountingModel(BaseModel model) {
      this.model = model;
    }

    @Override
    public Decoding open(List<String> prompts, Sampling sampling, long seed) {
      Decoding d = model.open(prompts, sampling, seed);
      return new Decoding() {
        @Override
        public int size() {
          return d.size();
        }

        @Override
        public void extend(int maxTokens) {
          if (!d.allFinished()) {
            liveExtends.incrementAndGet();
          }
          d.extend(maxTokens);
        }

        @Override
        public void reorder(int[] rows) {
          d.reorder(rows);
        }

        @Override
        public int promptIndex(int row) {
          return d.promptIndex(row);
        }

        @Override
        public String prompt(int row) {
          return d.prompt(row);
        }

        @Override
        public int[] responseTokens(int row) {
          return d.responseTokens(row);
        }

        @Override
        public int responseLength(int row) {
          return d.responseLength(row);
        }

        @Override
        public String responseText(int row) {
          return d.responseText(row);
        }

        @Override
        public boolean isFinished(int row) {
          return d.isFinished(row);
        }

        @Override
        public Optional<FinishReason> finishReason(int row) {
          return d.finishReason(row);
        }

        @Override
        public boolean allFinished() {
          return d.allFinished();
        }

        @Override
        public Optional<float[][]> features() {
          return d.features();
        }

        @Override
        public long tokensGenerated() {
          return d.tokensGenerated();
        }

        @Override
        public void close() {
          d.close();
        }
      };
    }

    @Override
    public String decode(int[] tokens) {
      return model.decode(tokens);
    }
  }

  private record Run(AlignedPolicy policy, List<String> generated, int liveExtends, long requests) {}

  private Run align() {
    OpenAiCompatibleModel remote = OpenAiCompatibleModel.builder()
        .endpoint(Endpoint.builder().baseUrl(server.v1()).noApiKey().readTimeout(Duration.ofSeconds(30)).build())
        .model("toy")
        .tokenizer(new CharTokenizer())
        .build();
    CountingModel model = new CountingModel(remote);
    FeatureSource features = new TextFeatures("all-minilm-l6-v2-q", encoder, remote::decode);
    Aligner aligner = Aligner.builder()
        .baseModel(model)
        .reward(RewardModel.of((prompt, response) -> response.chars().filter(c -> c == 'e').count()))
        .valueTrainer(MlpValueTrainer.builder().features(features).hiddenSizes(16).epochs(2).minStepsPerEpoch(10)
            .build())
        .iterations(2)
        .searcher(Searcher.builder().beamWidth(2).children(2).chunkLength(4).maxNewTokens(8).build())
        .initialSamples(4)
        .batchSize(4)
        .seed(7)
        .build();
    AlignedPolicy policy = aligner.align(PromptDataset.of(PROMPTS));
    List<String> generated = policy.generate(List.of("tell me z ", "tell me y "));
    return new Run(policy, generated, model.liveExtends.get(), remote.usage().requests());
  }

  @Test
  void alignsAServedModelWithTextFeatureValueHeadsOneRequestPerChunk() {
    Run first = align();
    assertThat(first.policy().iterations()).isEqualTo(2);
    assertThat(first.policy().report().iterations()).hasSize(2);
    assertThat(first.generated()).hasSize(2).allSatisfy(text -> assertThat(text).isNotEmpty());
    assertThat(first.liveExtends()).isPositive();
    assertThat(first.requests()).as("one request per extend of live rows").isEqualTo(first.liveExtends());
    assertThat(server.bodies(FakeServer.COMPLETIONS)).hasSize(first.liveExtends());

    Run second = align();
    assertThat(second.generated()).as("same seed, same server: same text").isEqualTo(first.generated());
  }
}
