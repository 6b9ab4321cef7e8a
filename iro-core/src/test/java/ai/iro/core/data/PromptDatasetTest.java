package ai.iro.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptDatasetTest {
  @TempDir
  Path dir;

  private Path write(String name, String... lines) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, Arrays.asList(lines), StandardCharsets.UTF_8);
    return file;
  }

  private static PromptDataset numbered(int n) {
    return PromptDataset.of(IntStream.range(0, n).mapToObj(i -> "p" + i).toList());
  }

  // ---- construction ----

  @Test
  void ofKeepsTextsInOrderWithNoFields() {
    PromptDataset d = PromptDataset.of(List.of("Tell me a story", "Explain beta"));
    assertThat(d.size()).isEqualTo(2);
    assertThat(d.isEmpty()).isFalse();
    assertThat(d.texts()).containsExactly("Tell me a story", "Explain beta");
    assertThat(d.prompts()).allSatisfy(p -> assertThat(p.fields()).isEmpty());
  }

  @Test
  void ofCopiesItsInput() {
    List<String> texts = new ArrayList<>(List.of("a", "b"));
    PromptDataset d = PromptDataset.of(texts);
    texts.add("c");
    assertThat(d.texts()).containsExactly("a", "b");
    assertThatThrownBy(() -> d.prompts().add(Prompt.of("x"))).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void ofRejectsANullPromptNamingItsIndex() {
    assertThatThrownBy(() -> PromptDataset.of(Arrays.asList("a", null)))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("prompt 1");
  }

  @Test
  void ofPromptsKeepsFields() {
    Prompt p = new Prompt("hi", Map.of("id", "x"));
    assertThat(PromptDataset.ofPrompts(List.of(p)).prompts()).containsExactly(p);
  }

  @Test
  void promptFieldsAreAnUnmodifiableCopy() {
    Map<String, Object> fields = new java.util.HashMap<>(Map.of("id", "x"));
    Prompt p = new Prompt("hi", fields);
    fields.put("other", 1);
    assertThat(p.fields()).containsOnlyKeys("id");
    assertThatThrownBy(() -> p.fields().put("k", "v")).isInstanceOf(UnsupportedOperationException.class);
  }

  // ---- JSON Lines ----

  @Test
  void fromJsonlKeepsOtherFieldsAndSkipsBlankLines() throws IOException {
    Path file = write("prompts.jsonl",
        "{\"id\": \"x1\", \"prompt\": \"Tell me a story\", \"weight\": 3.5, \"n\": 7,"
            + " \"meta\": {\"tags\": [\"a\", \"b\"], \"ok\": true}}",
        "",
        "   ",
        "{\"prompt\": \"Explain beta\"}");
    PromptDataset d = PromptDataset.fromJsonl(file);

    assertThat(d.texts()).containsExactly("Tell me a story", "Explain beta");
    Map<String, Object> fields = d.prompts().get(0).fields();
    assertThat(fields).containsOnlyKeys("id", "weight", "n", "meta");
    assertThat(fields.keySet()).containsExactly("id", "weight", "n", "meta");
    assertThat(fields.get("id")).isEqualTo("x1");
    assertThat(((Number) fields.get("weight")).doubleValue()).isEqualTo(3.5);
    assertThat(((Number) fields.get("n")).intValue()).isEqualTo(7);
    assertThat(fields.get("meta")).isEqualTo(Map.of("tags", List.of("a", "b"), "ok", true));
    assertThat(d.prompts().get(1).fields()).isEmpty();
  }

  @Test
  void fromJsonlOfAnEmptyFileIsAnEmptyDataset() throws IOException {
    assertThat(PromptDataset.fromJsonl(write("empty.jsonl", "", "  ")).isEmpty()).isTrue();
  }

  @Test
  void fromJsonlReadsUnicode() throws IOException {
    Path file = write("u.jsonl", "{\"prompt\": \"Grüße, 世界 \\u00e9\"}");
    assertThat(PromptDataset.fromJsonl(file).texts()).containsExactly("Grüße, 世界 é");
  }

  @Test
  void lineThatIsNotJsonNamesFileAndLine() throws IOException {
    Path file = write("bad.jsonl", "{\"prompt\": \"ok\"}", "", "{\"prompt\": oops}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString() + ":3:")
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void jsonSyntaxErrorIsOneLineWithFileLineAndColumn() throws IOException {
    Path file = write("col.jsonl", "{\"prompt\": \"ok\"}", "{\"prompt\": oops}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(file))
        .hasMessageStartingWith(file + ":2:12: not valid JSON: Unrecognized token 'oops'")
        .hasMessageNotContaining("\n")
        .hasMessageNotContaining("Source");
  }

  @Test
  void invalidUtf8NamesFileAndLine() throws IOException {
    Path file = dir.resolve("latin1.jsonl");
    byte[] good = "{\"prompt\": \"ok\"}\n{\"prompt\": \"Gr".getBytes(StandardCharsets.UTF_8);
    byte[] bad = {(byte) 0xfc, 'e', '"', '}', '\n'};
    byte[] all = Arrays.copyOf(good, good.length + bad.length);
    System.arraycopy(bad, 0, all, good.length, bad.length);
    Files.write(file, all);
    assertThatThrownBy(() -> PromptDataset.fromJsonl(file))
        .isInstanceOf(IOException.class)
        .hasMessage(file + ":2: not valid UTF-8 text");
  }

  @Test
  void emptyOrBlankPromptIsRejectedNamingFileAndLine() throws IOException {
    Path empty = write("empty-prompt.jsonl", "{\"prompt\": \"ok\"}", "{\"prompt\": \"\"}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(empty))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(empty + ":2: the \"prompt\" is empty");
    Path blank = write("blank-prompt.jsonl", "{\"prompt\": \" \\t \"}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(blank))
        .hasMessageStartingWith(blank + ":1: the \"prompt\" is blank");
  }

  @Test
  void lineThatIsNotAnObjectNamesFileAndLine() throws IOException {
    Path file = write("array.jsonl", "{\"prompt\": \"ok\"}", "[\"a\", \"b\"]");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString() + ":2:")
        .hasMessageContaining("JSON object");
    Path scalar = write("scalar.jsonl", "\"just a string\"");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(scalar))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(scalar.toString() + ":1:");
  }

  @Test
  void lineWithoutPromptNamesFileAndLine() throws IOException {
    Path file = write("missing.jsonl", "", "{\"text\": \"no prompt here\"}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString() + ":2:")
        .hasMessageContaining("\"prompt\"")
        .hasMessageContaining("none");
  }

  @Test
  void promptThatIsNotAStringNamesFileAndLine() throws IOException {
    Path file = write("number.jsonl", "{\"prompt\": 42}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString() + ":1:")
        .hasMessageContaining("NUMBER");
    Path nul = write("null.jsonl", "{\"prompt\": null}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(nul))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(nul.toString() + ":1:");
  }

  @Test
  void lineWithTrailingContentNamesFileAndLine() throws IOException {
    Path file = write("trailing.jsonl", "{\"prompt\": \"a\"}", "{\"prompt\": \"b\"} {\"prompt\": \"c\"}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file.toString() + ":2:");
  }

  @Test
  void lineWithTwoFormsNamesFileLineAndBoth() throws IOException {
    Path file = write("both.jsonl", "{\"prompt\": \"a\", \"instruction\": \"b\"}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(file))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(file + ":1:")
        .hasMessageContaining("[prompt, instruction]");
  }

  // ---- chat records ----

  @Test
  void chatRecordKeepsTheConversationAndUsesTheLastUserMessageAsText() throws IOException {
    Path file = write("chat.jsonl",
        "{\"id\": 7, \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, "
            + "{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello!\"}, "
            + "{\"role\": \"user\", \"content\": \"Name a colour.\"}]}");
    Prompt p = PromptDataset.fromJsonl(file).prompts().get(0);
    assertThat(p.isChat()).isTrue();
    assertThat(p.text()).isEqualTo("Name a colour.");
    assertThat(p.messages()).containsExactly(ChatMessage.system("Be brief."), ChatMessage.user("Hi"),
        ChatMessage.assistant("Hello!"), ChatMessage.user("Name a colour."));
    assertThat(p.conversation()).isEqualTo(p.messages());
    assertThat(p.fields()).containsOnlyKeys("id");
  }

  @Test
  void finalAssistantMessageBecomesTheReferenceField() throws IOException {
    Path file = write("ref.jsonl",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"2+2?\"}, {\"role\": \"assistant\", \"content\": \"4\"}]}");
    Prompt p = PromptDataset.fromJsonl(file).prompts().get(0);
    assertThat(p.messages()).containsExactly(ChatMessage.user("2+2?"));
    assertThat(p.fields()).containsEntry(PromptDataset.REFERENCE, "4");
  }

  @Test
  void badChatRecordsNameFileLineAndProblem() throws IOException {
    Path empty = write("empty-chat.jsonl", "{\"messages\": []}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(empty)).isInstanceOf(IOException.class)
        .hasMessageContaining(empty + ":1:").hasMessageContaining("non-empty list");
    Path noContent = write("no-content.jsonl", "", "{\"messages\": [{\"role\": \"user\"}]}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(noContent)).isInstanceOf(IOException.class)
        .hasMessageContaining(noContent + ":2: message 0").hasMessageContaining("\"content\" must be a string");
    Path listContent = write("list-content.jsonl",
        "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"hi\"}]}]}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(listContent)).hasMessageContaining("found ARRAY");
    Path noUser = write("no-user.jsonl", "{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}]}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(noUser)).isInstanceOf(IOException.class)
        .hasMessageContaining(noUser + ":1:").hasMessageContaining("must end with a user message")
        .hasMessageContaining("[system]");
    Path notList = write("not-list.jsonl", "{\"messages\": \"hi\"}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(notList)).hasMessageContaining("STRING");
  }

  // ---- Alpaca records ----

  @Test
  void alpacaRecordJoinsInstructionAndInputAndKeepsTheRest() throws IOException {
    Path file = write("alpaca.jsonl",
        "{\"instruction\": \"Translate to French.\", \"input\": \"Good morning\", \"output\": \"Bonjour\"}",
        "{\"instruction\": \"Tell a joke.\", \"input\": \"\", \"output\": \"...\"}",
        "{\"instruction\": \"What is IRO?\", \"dataset\": \"helpful_base\", \"generator\": \"gpt4\"}");
    PromptDataset d = PromptDataset.fromJsonl(file);
    assertThat(d.texts()).containsExactly("Translate to French.\n\nGood morning", "Tell a joke.", "What is IRO?");
    assertThat(d.prompts().get(0).fields()).containsOnlyKeys("output");
    assertThat(d.prompts().get(2).fields()).containsOnlyKeys("dataset", "generator");
    assertThat(d.prompts()).noneMatch(Prompt::isChat);
    assertThat(d.prompts().get(1).conversation()).containsExactly(ChatMessage.user("Tell a joke."));
  }

  @Test
  void alpacaInstructionThatIsNotAStringNamesFileAndLine() throws IOException {
    Path file = write("bad-alpaca.jsonl", "{\"instruction\": [\"a\"]}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(file)).isInstanceOf(IOException.class)
        .hasMessageContaining(file + ":1:").hasMessageContaining("\"instruction\" must be a string, found ARRAY");
    Path input = write("bad-input.jsonl", "{\"instruction\": \"a\", \"input\": 3}");
    assertThatThrownBy(() -> PromptDataset.fromJsonl(input)).hasMessageContaining("\"input\" must be a string");
  }

  @Test
  void jsonArrayLikeAlpacaEvalIsReadWithElementLinesInErrors() throws IOException {
    Path file = write("alpaca_eval.json", "[", "  {\"instruction\": \"One?\", \"dataset\": \"x\"},",
        "  {\"messages\": [{\"role\": \"user\", \"content\": \"Two?\"}]}", "]");
    assertThat(PromptDataset.fromJson(file).texts()).containsExactly("One?", "Two?");
    assertThat(PromptDataset.read(file).texts()).containsExactly("One?", "Two?");
    Path bad = write("bad.json", "[", "  {\"prompt\": \"ok\"},", "  {\"prompt\": 5}", "]");
    assertThatThrownBy(() -> PromptDataset.fromJson(bad)).isInstanceOf(IOException.class)
        .hasMessageContaining(bad + ":3 (element 1)").hasMessageContaining("NUMBER");
    Path notArray = write("object.json", "{\"prompt\": \"x\"}");
    assertThatThrownBy(() -> PromptDataset.fromJson(notArray)).hasMessageContaining("expected a JSON array");
    Path broken = write("broken.json", "[", "  {\"prompt\": \"ok\"},", "  {\"prompt\": oops}");
    assertThatThrownBy(() -> PromptDataset.fromJson(broken)).isInstanceOf(IOException.class)
        .hasMessageContaining(broken + ":3").hasMessageContaining("not valid JSON");
  }

  @Test
  void readTakesJsonLinesWhenTheFileDoesNotStartWithABracket() throws IOException {
    Path file = write("mixed.jsonl", "", "{\"prompt\": \"a\"}", "{\"instruction\": \"b\"}");
    assertThat(PromptDataset.read(file).texts()).containsExactly("a", "b");
  }

  @Test
  void fingerprintOfAChatPromptCoversItsConversation() {
    Prompt withSystem = Prompt.chat(List.of(ChatMessage.system("Be brief."), ChatMessage.user("a")), Map.of());
    Prompt plainChat = Prompt.chat(List.of(ChatMessage.user("a")), Map.of());
    String plain = PromptDataset.of(List.of("a")).fingerprint();
    assertThat(PromptDataset.ofPrompts(List.of(withSystem)).fingerprint())
        .isNotEqualTo(PromptDataset.ofPrompts(List.of(plainChat)).fingerprint())
        .isNotEqualTo(plain);
    assertThat(PromptDataset.ofPrompts(List.of(Prompt.of("a"))).fingerprint()).isEqualTo(plain);
  }

  @Test
  void chatPromptWithoutAUserMessageIsRejected() {
    assertThatThrownBy(() -> Prompt.chat(List.of(ChatMessage.system("s")), Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[system]");
  }

  @Test
  void missingFileIsAnIOException() {
    assertThatThrownBy(() -> PromptDataset.fromJsonl(dir.resolve("absent.jsonl"))).isInstanceOf(IOException.class);
  }

  // ---- splits ----

  @Test
  void freshSlicesAreDisjointShuffledOnceAndOfSizeNOverT() {
    PromptDataset d = numbered(10);
    int iterations = 3;
    List<String> seen = new ArrayList<>();
    for (int t = 1; t <= iterations; t++) {
      List<Prompt> slice = d.promptsFor(t, iterations, PromptSplit.FRESH_SLICES, 42L);
      assertThat(slice).as("slice %s", t).hasSize(10 / iterations);
      assertThat(slice).as("a slice keeps the dataset's order").isSortedAccordingTo(
          java.util.Comparator.comparingInt(p -> Integer.parseInt(p.text().substring(1))));
      assertThat(slice).as("same seed, same slice").isEqualTo(d.promptsFor(t, iterations, PromptSplit.FRESH_SLICES, 42L));
      slice.forEach(p -> seen.add(p.text()));
    }
    Set<String> unique = new HashSet<>(seen);
    assertThat(unique).hasSameSizeAs(seen).hasSize(9);
  }

  @Test
  void freshSlicesOfATopicSortedDatasetMixTopics() {
    // Guards against consecutive slices: 300 prompts sorted into 3 topics of 100 must not give
    // each iteration one topic. Under a uniform shuffle each slice holds about 33 of each topic;
    // fewer than 15 has probability below 1e-6.
    List<String> texts = new ArrayList<>();
    for (String topic : List.of("a", "b", "c")) {
      for (int i = 0; i < 100; i++) {
        texts.add(topic + i);
      }
    }
    PromptDataset d = PromptDataset.of(texts);
    for (long seed : new long[] {1, 2, 3}) {
      for (int t = 1; t <= 3; t++) {
        List<Prompt> slice = d.promptsFor(t, 3, PromptSplit.FRESH_SLICES, seed);
        for (String topic : List.of("a", "b", "c")) {
          assertThat(slice.stream().filter(p -> p.text().startsWith(topic)).count())
              .as("topic %s in slice %s, seed %s", topic, t, seed).isGreaterThanOrEqualTo(15);
        }
      }
    }
    assertThat(d.promptsFor(1, 3, PromptSplit.FRESH_SLICES, 1L))
        .as("another seed, another order").isNotEqualTo(d.promptsFor(1, 3, PromptSplit.FRESH_SLICES, 2L));
  }

  @Test
  void freshSlicesWithOneIterationUseEveryPrompt() {
    assertThat(numbered(5).promptsFor(1, 1, PromptSplit.FRESH_SLICES, 42L)).hasSize(5);
  }

  @Test
  void reuseGivesEveryPromptToEveryIteration() {
    PromptDataset d = numbered(10);
    for (int t = 1; t <= 3; t++) {
      assertThat(d.promptsFor(t, 3, PromptSplit.REUSE, 42L)).isEqualTo(d.prompts());
    }
  }

  @Test
  void emptyDatasetIsRejectedForEitherSplit() {
    PromptDataset empty = PromptDataset.of(List.of());
    for (PromptSplit split : PromptSplit.values()) {
      assertThatThrownBy(() -> empty.promptsFor(1, 1, split, 42L))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("empty");
    }
  }

  @Test
  void tooFewPromptsForFreshSlicesIsRejectedWithTheCounts() {
    assertThatThrownBy(() -> numbered(2).promptsFor(1, 3, PromptSplit.FRESH_SLICES, 42L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 prompts for 3 iterations");
    assertThat(numbered(2).promptsFor(3, 3, PromptSplit.REUSE, 42L)).hasSize(2);
  }

  @Test
  void iterationOutsideOneToTIsRejectedWithTheValues() {
    PromptDataset d = numbered(6);
    assertThatThrownBy(() -> d.promptsFor(0, 3, PromptSplit.REUSE, 42L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[1, 3]")
        .hasMessageContaining("found 0");
    assertThatThrownBy(() -> d.promptsFor(4, 3, PromptSplit.FRESH_SLICES, 42L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("found 4");
  }

  // ---- fingerprint ----

  @Test
  void fingerprintIsStableAcrossInstancesAndCalls() {
    PromptDataset a = PromptDataset.of(List.of("a", "b"));
    PromptDataset b = PromptDataset.of(List.of("a", "b"));
    assertThat(a.fingerprint()).isEqualTo(a.fingerprint()).isEqualTo(b.fingerprint()).matches("[0-9a-f]{16}");
  }

  @Test
  void fingerprintDiffersForDifferentPrompts() {
    Set<String> prints = new HashSet<>();
    prints.add(PromptDataset.of(List.of("a", "b")).fingerprint());
    prints.add(PromptDataset.of(List.of("b", "a")).fingerprint());
    prints.add(PromptDataset.of(List.of("a", "c")).fingerprint());
    prints.add(PromptDataset.of(List.of("a")).fingerprint());
    prints.add(PromptDataset.of(List.of("ab")).fingerprint());
    prints.add(PromptDataset.of(List.of("ab", "c")).fingerprint());
    prints.add(PromptDataset.of(List.of("a", "bc")).fingerprint());
    prints.add(PromptDataset.of(List.of()).fingerprint());
    assertThat(prints).hasSize(8);
  }

  @Test
  void fingerprintIgnoresFields() {
    PromptDataset plain = PromptDataset.of(List.of("a"));
    PromptDataset withFields = PromptDataset.ofPrompts(List.of(new Prompt("a", Map.of("id", 1))));
    assertThat(withFields.fingerprint()).isEqualTo(plain.fingerprint());
  }
}
