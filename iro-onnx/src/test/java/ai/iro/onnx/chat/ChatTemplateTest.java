package ai.iro.onnx.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.data.ChatMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, refusals and the errors users see; rendering itself is checked against Jinja2 in the golden test. */
class ChatTemplateTest {
  @TempDir
  Path tmp;

  private static ChatTemplate of(String source) {
    return ChatTemplate.builder().template(source).origin("test.jinja").build();
  }

  @Test
  void llama2RoleAlternationCheckBecomesAnExceptionWithTheTemplatesMessage() {
    ChatTemplate llama2 = ChatTemplate.load(ChatTemplateGoldenTest.hf().resolve("llama2"));
    assertThatThrownBy(() -> llama2.render(List.of(ChatMessage.user("a"), ChatMessage.user("b")), true))
        .isInstanceOf(ChatTemplateException.class)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("chat_template.jinja")
        .hasMessageContaining("refused the conversation: Conversation roles must alternate user/assistant/user/assistant/...")
        .satisfies(e -> assertThat(((ChatTemplateException) e).raised())
            .contains("Conversation roles must alternate user/assistant/user/assistant/..."));
  }

  @Test
  void llama2RendersBosAndInstTagsFromItsTokenizerConfig() {
    ChatTemplate llama2 = ChatTemplate.load(ChatTemplateGoldenTest.hf().resolve("llama2"));
    assertThat(llama2.render(List.of(ChatMessage.system("Be kind."), ChatMessage.user("Hi")), true))
        .isEqualTo("<s>[INST] <<SYS>>\nBe kind.\n<</SYS>>\n\nHi [/INST]");
    assertThat(llama2.specialTokens()).containsEntry("bos_token", "<s>").containsEntry("eos_token", "</s>");
  }

  @Test
  void unknownFilterIsRefusedWhenLoadedNamingLineAndFilter() {
    assertThatThrownBy(() -> of("ok\n{{ messages | frobnicate }}"))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("test.jinja")
        .hasMessageContaining("line 2")
        .hasMessageContaining("unknown filter 'frobnicate'")
        .satisfies(e -> assertThat(((ChatTemplateException) e).line()).isEqualTo(2));
  }

  @Test
  void unsupportedTagsAndSyntaxNameTheConstruct() {
    assertThatThrownBy(() -> of("{% extends 'base.html' %}")).hasMessageContaining("'{% extends %}' tag is not supported");
    assertThatThrownBy(() -> of("a\n\n{% include 'x' %}")).hasMessageContaining("line 3")
        .hasMessageContaining("include");
    assertThatThrownBy(() -> of("{% call foo() %}x{% endcall %}")).hasMessageContaining("'{% call %}'");
    assertThatThrownBy(() -> of("{% frob %}")).hasMessageContaining("unknown tag 'frob'");
    assertThatThrownBy(() -> of("{{ x is frobbed }}")).hasMessageContaining("unknown test 'frobbed'");
    assertThatThrownBy(() -> of("{% for x in y recursive %}{% endfor %}")).hasMessageContaining("recursive");
    assertThatThrownBy(() -> of("{{ f(*args) }}")).hasMessageContaining("*args");
    assertThatThrownBy(() -> of("{{ 'a' @ 'b' }}")).hasMessageContaining("unexpected character '@'");
  }

  @Test
  void unclosedBlocksAndTagsNameWhatIsMissing() {
    assertThatThrownBy(() -> of("{% if x %}\nyes"))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("expected one of elif, else, endif");
    assertThatThrownBy(() -> of("{% for m in messages %}")).hasMessageContaining("endfor");
    assertThatThrownBy(() -> of("{{ x ")).hasMessageContaining("never closed");
    assertThatThrownBy(() -> of("{# x")).hasMessageContaining("comment");
    assertThatThrownBy(() -> of("{% endif %}")).hasMessageContaining("endif");
  }

  @Test
  void renderingErrorsNameTheLine() {
    ChatTemplate t = of("line one\n{{ messages[0].content + 1 }}");
    assertThatThrownBy(() -> t.render(List.of(ChatMessage.user("x")), false))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("failed at line 2")
        .hasMessageContaining("can only concatenate str");
    ChatTemplate undefined = of("{{ nothing.here }}");
    assertThatThrownBy(() -> undefined.render(List.of(), false)).hasMessageContaining("'nothing' is undefined");
  }

  @Test
  void variablesOverrideDefaultsAndReachTheTemplate() {
    ChatTemplate t = of("{{ bos_token }}|{{ tools }}|{{ documents is none }}|{{ add_generation_prompt }}|{{ extra }}");
    assertThat(t.render(List.of(), true, Map.of("extra", List.of(1, "two")))).isEqualTo("|None|True|True|[1, 'two']");
    assertThat(t.toBuilder().specialTokens(Map.of("bos_token", "<s>")).build().render(List.of(), false))
        .isEqualTo("<s>|None|True|False|");
  }

  @Test
  void messageContentIsNeverInterpretedAsTemplateCode() {
    ChatTemplate t = of("{{ messages[0].content }}");
    assertThat(t.render(List.of(ChatMessage.user("{{ 7 * 7 }}{% if true %}x{% endif %}")), false))
        .isEqualTo("{{ 7 * 7 }}{% if true %}x{% endif %}");
  }

  @Test
  void nullMessageIsRejectedWithItsIndex() {
    ChatTemplate t = of("x");
    assertThatThrownBy(() -> t.render(Arrays.asList(ChatMessage.user("a"), null), false))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("message 1");
  }

  @Test
  void listOfNamedTemplatesUsesDefaultUnlessANameIsAsked() throws IOException {
    Path dir = ChatTemplateGoldenTest.hf().resolve("command_r_plus");
    assertThat(ChatTemplate.load(dir).origin()).contains("\"default\"");
    assertThat(ChatTemplate.load(dir, "rag").origin()).contains("\"rag\"");
    assertThatThrownBy(() -> ChatTemplate.load(dir, "poetry"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no chat template named \"poetry\"")
        .hasMessageContaining("[default, tool_use, rag]");
  }

  @Test
  void chatTemplateJinjaFilesWinOverTokenizerConfig() throws IOException {
    Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"chat_template\": \"from config\", \"eos_token\": \"E\"}");
    assertThat(ChatTemplate.load(tmp).render(List.of(), false)).isEqualTo("from config");
    Files.writeString(tmp.resolve("chat_template.jinja"), "from file {{ eos_token }}\n");
    assertThat(ChatTemplate.load(tmp).render(List.of(), false)).isEqualTo("from file E");
    Files.createDirectories(tmp.resolve("additional_chat_templates"));
    Files.writeString(tmp.resolve("additional_chat_templates/tool_use.jinja"), "tools");
    assertThat(ChatTemplate.load(tmp, "tool_use").render(List.of(), false)).isEqualTo("tools");
  }

  @Test
  void directoryWithoutATemplateSaysWhereItLooked() {
    assertThatThrownBy(() -> ChatTemplate.load(ChatTemplateGoldenTest.hf().resolve("gpt2")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no chat template")
        .hasMessageContaining("chat_template.jinja")
        .hasMessageContaining("tokenizer_config.json");
  }

  @Test
  void builderRequiresATemplate() {
    assertThatThrownBy(() -> ChatTemplate.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("template");
  }
}
