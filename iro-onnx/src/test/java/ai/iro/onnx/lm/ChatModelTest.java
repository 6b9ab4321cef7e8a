package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.data.ChatMessage;
import ai.iro.core.data.Prompt;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.core.value.ValueExample;
import ai.iro.onnx.chat.ChatTemplate;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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
  void aConversationIsRenderedWholeInDecodingEncodingAndFeatures() throws IOException {
    Path dir = chatModel();
    Prompt conversation = Prompt.chat(List.of(ChatMessage.user("Who begat Enos?"), ChatMessage.assistant("Seth."),
        ChatMessage.user("And Enos begat?")), Map.of());
    Prompt ownSystem = Prompt.chat(List.of(ChatMessage.system("Answer in verse."), ChatMessage.user("Amen")),
        Map.of());
    try (OnnxCausalLM chat = OnnxCausalLM.builder().modelDirectory(dir).chat(ChatTemplate.load(dir))
        .systemPrompt("Be kind.").build();
         OnnxCausalLM plain = OnnxCausalLM.load(dir)) {
      String rendered = "<|endoftext|><system> Be kind.<|endoftext|><user> Who begat Enos?<|endoftext|>"
          + "<assistant> Seth.<|endoftext|><user> And Enos begat?<|endoftext|><assistant>";
      int[] ids = chat.encodePrompt(conversation);
      assertThat(ids).containsExactly(plain.encode(rendered));
      assertThat(chat.encodePrompt(ownSystem)).as("a conversation's own system message replaces the builder's")
          .containsExactly(plain.encode("<|endoftext|><system> Answer in verse.<|endoftext|><user> Amen<|endoftext|>"
              + "<assistant>"));
      assertThat(chat.encodePrompt(Prompt.of("Amen"))).containsExactly(chat.encodePrompt("Amen"));

      Sampling greedy = Sampling.greedy(6);
      int[] fromRecord;
      try (Decoding d = chat.openPrompts(List.of(conversation), greedy, 3)) {
        d.extend(6);
        fromRecord = d.responseTokens(0);
        assertThat(d.prompt(0)).as("rewards read the last user message").isEqualTo("And Enos begat?");
      }
      try (Decoding d = chat.openTokens(List.of(ids), greedy, 3)) {
        d.extend(6);
        assertThat(fromRecord).containsExactly(d.responseTokens(0));
      }
      try (Decoding d = chat.open(List.of("And Enos begat?"), greedy, 3)) {
        d.extend(6);
        assertThat(d.responseTokens(0)).as("the earlier turns change what the model reads")
            .isNotEqualTo(fromRecord);
      }

      int[] response = {5, 6, 7};
      float[][] features = chat.features().prefixFeatures(List.of(new ValueExample(conversation, response, "x", 1)))
          .get(0);
      // The reference: the rendered text's ids fed as they are (the template wrote BOS).
      try (OnnxCausalLM asIs = OnnxCausalLM.builder().modelDirectory(dir).prependBos(false).build()) {
        assertThat(asIs.encodePrompt(rendered)).containsExactly(ids);
        assertThat(features).isDeepEqualTo(asIs.prefixFeatures(rendered, response));
      }
      assertThat(features[0]).isNotEqualTo(chat.prefixFeatures("And Enos begat?", response)[0]);
    }
  }

  @Test
  void aModelWithoutATemplateRefusesAConversationNamingItsIndex() {
    Prompt conversation = Prompt.chat(List.of(ChatMessage.system("s"), ChatMessage.user("u")), Map.of());
    try (OnnxCausalLM plain = OnnxCausalLM.load(ShippedModel.directory())) {
      assertThatThrownBy(() -> plain.openPrompts(List.of(Prompt.of("In the"), conversation), Sampling.greedy(2), 1))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("prompt 1").hasMessageContaining("[system, user]")
          .hasMessageContaining("without a chat template");
      assertThatThrownBy(() -> plain.features().prefixFeatures(List.of(new ValueExample(conversation, new int[] {1},
          "x", 1)))).isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("[system, user]");
    }
  }

  @Test
  void aSystemPromptWithoutATemplateIsRefused() {
    assertThatThrownBy(() -> OnnxCausalLM.builder().modelDirectory(ShippedModel.directory()).systemPrompt("x").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("chat template");
  }
}
