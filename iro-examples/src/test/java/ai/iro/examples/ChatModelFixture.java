package ai.iro.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shipped model copied with a small chat template, for tests of chat models. */
public final class ChatModelFixture {
  /** The template: {@code <role> content<|endoftext|>} per message, then {@code <assistant>}. */
  public static final String TEMPLATE = "{{ bos_token }}{% for m in messages %}<{{ m['role'] }}> {{ m['content'] }}"
      + "<|endoftext|>{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";

  private ChatModelFixture() {}

  /** Copies the shipped model into {@code dir/chat-model} with {@link #TEMPLATE} in its tokenizer_config.json. */
  public static Path create(Path dir) throws IOException {
    Path model = Files.createDirectories(dir.resolve("chat-model"));
    for (String name : ShippedModel.FILES) {
      if (Files.exists(ShippedModel.directory().resolve(name))) {
        Files.copy(ShippedModel.directory().resolve(name), model.resolve(name));
      }
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode config = (ObjectNode) json.readTree(model.resolve("tokenizer_config.json").toFile());
    config.put("chat_template", TEMPLATE);
    Files.writeString(model.resolve("tokenizer_config.json"), json.writeValueAsString(config));
    return model;
  }
}
