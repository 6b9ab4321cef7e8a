package ai.iro.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.data.ChatMessage;
import ai.iro.core.data.Prompt;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.SearchResult;
import ai.iro.core.search.Searcher;
import ai.iro.core.testing.TabularProblem;
import ai.iro.core.testing.TabularTrainer;
import ai.iro.core.value.ValueExample;
import ai.iro.core.value.ValueStack;
import ai.iro.core.value.ValueTrainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Chat prompts with earlier turns: the whole conversation reaches the model (and the examples its
 * features are computed from), rewards read the user's last message, and a model that reads text
 * only refuses a conversation rather than drop its turns.
 */
class ConversationTest {
  private static final Sampling PLAIN = Sampling.builder().temperature(1).topK(0).topP(1)
      .maxNewTokens(TabularProblem.HORIZON).build();

  private final TabularProblem problem = new TabularProblem(21);

  /** The tabular model, recording the prompt records of every batch it opens. */
  private static final class RecordingModel implements BaseModel {
    final BaseModel inner;
    final List<Prompt> opened = new ArrayList<>();

    RecordingModel(BaseModel inner) {
      this.inner = inner;
    }

    @Override
    public Decoding open(List<String> prompts, Sampling sampling, long seed) {
      return inner.open(prompts, sampling, seed);
    }

    @Override
    public Decoding openPrompts(List<Prompt> prompts, Sampling sampling, long seed) {
      opened.addAll(prompts);
      return inner.open(prompts.stream().map(Prompt::text).toList(), sampling, seed);
    }

    @Override
    public String decode(int[] tokens) {
      return inner.decode(tokens);
    }
  }

  private static Prompt conversation(int i) {
    return Prompt.chat(List.of(
        ChatMessage.system("You answer in letters."),
        ChatMessage.user("first question " + i),
        ChatMessage.assistant("first answer " + i),
        ChatMessage.user("follow-up " + i)), Map.of());
  }

  private static PromptDataset conversations(int n) {
    List<Prompt> prompts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      prompts.add(conversation(i));
    }
    return PromptDataset.ofPrompts(prompts);
  }

  private Aligner.Builder aligner(BaseModel model, RewardModel reward, ValueTrainer trainer) {
    return Aligner.builder().baseModel(model).reward(reward).valueTrainer(trainer)
        .searcher(Searcher.builder().beamWidth(2).children(2).chunkLength(1).sampling(PLAIN).build())
        .initialSamples(4).batchSize(7).iterations(2).seed(5);
  }

  @Test
  void alignmentOpensWholeConversationsAndRewardsReadTheLastUserMessage() {
    RecordingModel model = new RecordingModel(problem.model());
    List<String> rewardPrompts = new ArrayList<>();
    RewardModel reward = new RewardModel() {
      @Override
      public double[] score(List<String> prompts, List<String> responses) {
        rewardPrompts.addAll(prompts);
        return problem.rewardModel().score(prompts, responses);
      }
    };
    List<ValueExample> examples = new ArrayList<>();
    TabularTrainer tabular = new TabularTrainer(problem.model());
    ValueTrainer trainer = (batch, seed) -> {
      examples.addAll(batch);
      return tabular.train(batch, seed);
    };
    PromptDataset dataset = conversations(20);
    AlignedPolicy policy = aligner(model, reward, trainer).build().align(dataset);

    // Every prompt of both iterations was opened with its four messages, not its last one alone.
    assertThat(model.opened).hasSize(2 * 10);
    assertThat(model.opened).allSatisfy(p -> assertThat(p.messages()).hasSize(4));
    assertThat(model.opened).allSatisfy(p -> assertThat(dataset.prompts()).contains(p));
    assertThat(rewardPrompts).isNotEmpty().allSatisfy(p -> assertThat(p).startsWith("follow-up "));
    // The trainer's examples carry the conversation, which a model's features are computed on.
    assertThat(examples).isNotEmpty().allSatisfy(e -> {
      assertThat(e.source().messages()).hasSize(4);
      assertThat(e.prompt()).isEqualTo(e.source().text()).startsWith("follow-up ");
    });

    model.opened.clear();
    String answer = policy.generate(conversation(3));
    assertThat(model.opened).containsExactly(conversation(3));
    assertThat(answer).isNotEmpty();
  }

  @Test
  void aModelThatReadsTextOnlyRefusesAConversationNamingItsIndexAndRoles() {
    TabularTrainer trainer = new TabularTrainer(problem.model());
    Aligner aligner = aligner(problem.model(), problem.rewardModel(), trainer).build();
    assertThatThrownBy(() -> aligner.align(conversations(20)))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("prompt 0 is a conversation of 4 messages [system, user, assistant, user]")
        .hasMessageContaining("reads plain text only");
  }

  @Test
  void plainRecordsSearchExactlyAsTheirTexts() {
    Searcher searcher = Searcher.builder().beamWidth(2).children(2).chunkLength(1).sampling(PLAIN).build();
    List<String> texts = List.of("a", "b", "c");
    List<Prompt> records = List.of(Prompt.of("a"), Prompt.chat(List.of(ChatMessage.user("b")), Map.of()),
        Prompt.of("c"));
    SearchOutcome fromTexts = searcher.search(problem.model(), ValueStack.empty(), Optional.empty(), texts, 9L);
    SearchOutcome fromRecords = searcher.searchPrompts(problem.model(), ValueStack.empty(), Optional.empty(),
        records, 9L);
    assertThat(tokens(fromRecords)).isEqualTo(tokens(fromTexts));
    assertThat(fromRecords.results().stream().map(SearchResult::prompt).toList()).isEqualTo(texts);
    assertThat(fromRecords.results().get(1).source()).isEqualTo(records.get(1));

    AlignedPolicy policy = aligner(problem.model(), problem.rewardModel(), new TabularTrainer(problem.model()))
        .build().align(PromptDataset.of(List.of("p1", "p2", "p3", "p4")));
    assertThat(policy.generate(Prompt.of("p9"))).isEqualTo(policy.generate("p9"));
  }

  private static List<List<String>> tokens(SearchOutcome outcome) {
    return outcome.results().stream()
        .map(r -> r.finals().stream().map(c -> java.util.Arrays.toString(c.tokens())).toList()).toList();
  }

  @Test
  void aPlainTextRecordIsOneUserMessageHoldingItsText() {
    assertThat(Prompt.of("hi").isPlainText()).isTrue();
    assertThat(Prompt.chat(List.of(ChatMessage.user("hi")), Map.of()).isPlainText()).isTrue();
    assertThat(Prompt.chat(List.of(ChatMessage.system("s"), ChatMessage.user("hi")), Map.of()).isPlainText()).isFalse();
    assertThat(conversation(1).roles()).containsExactly("system", "user", "assistant", "user");
  }
}
