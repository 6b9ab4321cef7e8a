package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which special tokens start a prompt comes from the tokenizer's files, as transformers reads them,
 * not from config.json's bos_token_id (guards against prepending BOS to a GPT-2- or Qwen-style
 * export whose config names a BOS id that its tokenizer never adds).
 */
class PromptPrefixTest {
  private static final int EOT = 2047;

  @TempDir
  Path tmp;

  private static void tokenizerFiles(Path dir, String tokenizerConfig, String postProcessor) throws IOException {
    Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfig);
    String tokenizer = Files.readString(dir.resolve("tokenizer.json"));
    int start = tokenizer.indexOf("\"post_processor\"");
    int end = tokenizer.indexOf("\"decoder\"", start);
    Files.writeString(dir.resolve("tokenizer.json"),
        tokenizer.substring(0, start) + "\"post_processor\": " + postProcessor + ",\n " + tokenizer.substring(end));
  }

  @Test
  void theShippedModelsTokenizerSaysWhatItsTrainingDid() {
    try (OnnxCausalLM lm = OnnxCausalLM.load(ShippedModel.directory())) {
      assertThat(lm.promptPrefix()).containsExactly(EOT);
      assertThat(lm.encodePrompt("In the beginning")).startsWith(EOT).hasSize(lm.encode("In the beginning").length + 1);
    }
  }

  @Test
  void aGpt2StyleExportGetsNoBosEvenThoughItsConfigNamesOne() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    tokenizerFiles(dir, "{\"tokenizer_class\": \"GPT2Tokenizer\", \"bos_token\": \"<|endoftext|>\","
        + " \"eos_token\": \"<|endoftext|>\"}", "{\"type\": \"ByteLevel\", \"add_prefix_space\": false,"
        + " \"trim_offsets\": true, \"use_regex\": true}");
    assertThat(Files.readString(dir.resolve("config.json"))).contains("\"bos_token_id\": 2047");
    try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
      assertThat(lm.promptPrefix()).isEmpty();
      assertThat(lm.prependsBos()).isFalse();
      assertThat(lm.encodePrompt("In the beginning")).containsExactly(lm.encode("In the beginning"));
    }
    try (OnnxCausalLM forced = OnnxCausalLM.builder().modelDirectory(dir).prependBos(true).build()) {
      assertThat(forced.promptPrefix()).as("prependBos(true) overrides").containsExactly(EOT);
    }
  }

  @Test
  void llamaTokenizersFollowAddBosTokenWhateverThePostProcessor() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    tokenizerFiles(dir, "{\"tokenizer_class\": \"LlamaTokenizerFast\", \"bos_token\": \"<|endoftext|>\","
        + " \"eos_token\": \"<|endoftext|>\"}", "null");
    try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
      assertThat(lm.promptPrefix()).as("add_bos_token defaults to true for Llama tokenizers").containsExactly(EOT);
    }
    tokenizerFiles(dir, "{\"tokenizer_class\": \"LlamaTokenizerFast\", \"add_bos_token\": false,"
        + " \"bos_token\": \"<|endoftext|>\", \"eos_token\": \"<|endoftext|>\"}", "null");
    try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
      assertThat(lm.promptPrefix()).isEmpty();
    }
  }

  @Test
  void prependBosFalseOverridesTheTokenizer() {
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(ShippedModel.directory()).prependBos(false).build()) {
      assertThat(lm.promptPrefix()).isEmpty();
    }
  }
}
