package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.chat.ChatTemplate;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chat model renders each prompt as the user's message with the model's chat template, encodes
 * the rendered text as is (no extra BOS), stops at the end of turn, and still reports the user's
 * text as the prompt.
 */
class ChatModelTest {
  /** A small template in the style of real ones: role headers, an end-of-turn token, a generation prompt. */
  private static final String TEMPLATE = "{{ bos_token }}{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }}"
      + "<|endoftext|>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";

  @TempDir
  Path tmp;

  private Path chatModel() throws IOException {
    Path dir = ShippedModel.copy(tmp);
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(dir.resolve("tokenizer_config.json").toFile());
    config.put("chat_template", TEMPLATE);
    Files.writeString(dir.resolve("tokenizer_config.json"), json.writeValueAsString(config));
    return dir;
  }

  @Test
  void promptsAreRenderedAsTheUsersMessageAndEncodedAsIs() throws IOException {
    Path dir = chatModel();
    ChatTemplate template = ChatTemplate.load(dir);
    try (OnnxCausalLM chat = OnnxCausalLM.builder().modelDirectory(dir).chat(template).systemPrompt("Be kind.").build();
         OnnxCausalLM plain = OnnxCausalLM.load(dir)) {
      String rendered = "<|endoftext|><system> Be kind.<|endoftext|><user> In the beginning<|endoftext|><assistant>";
      assertThat(chat.encodePrompt("In the beginning")).containsExactly(plain.encode(rendered));
      assertThat(chat.encodePrompt("In the beginning")[0]).as("the template writes BOS once").isEqualTo(2047);
      assertThat(chat.encodePrompt("In the beginning")[1]).isNotEqualTo(2047);
      assertThat(chat.eosTokenIds()).contains(2047);
      assertThat(chat.chatTemplate()).containsSame(template);
      assertThat(chat.toBuilder().build().encodePrompt("Amen")).containsExactly(chat.encodePrompt("Amen"));
      try (Decoding d = chat.open(List.of("In the beginning"), Sampling.builder().maxNewTokens(4).build(), 3)) {
        d.extend(4);
        assertThat(d.prompt(0)).as("rewards read the user's text").isEqualTo("In the beginning");
      }
    }
  }

  @Test
  void aSystemPromptWithoutATemplateIsRefused() {
    assertThatThrownBy(() -> OnnxCausalLM.builder().modelDirectory(ShippedModel.directory()).systemPrompt("x").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("chat template");
  }
}
