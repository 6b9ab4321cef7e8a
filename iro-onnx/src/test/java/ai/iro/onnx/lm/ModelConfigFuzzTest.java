package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.testing.DirectorySnapshot;
import ai.iro.core.testing.Fuzz;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzed model configuration files ({@code config.json}, {@code generation_config.json},
 * {@code tokenizer_config.json}) next to the shipped model's graph and tokenizer:
 * {@link OnnxCausalLM#load} either loads the model or throws {@link IllegalArgumentException} with a
 * message naming the directory; never another exception, a hang, or a change to a file. Inputs are
 * sampled, not exhaustive: a load that succeeds opens an ONNX Runtime session.
 */
@Timeout(300)
class ModelConfigFuzzTest {
  private static final List<String> CONFIGS = List.of("config.json", "generation_config.json", "tokenizer_config.json");

  @TempDir
  static Path dir;

  @BeforeAll
  static void linkTheShippedModel() throws IOException {
    for (String name : List.of("model.onnx", "tokenizer.json")) {
      Files.createSymbolicLink(dir.resolve(name), ShippedModel.directory().resolve(name).toAbsolutePath());
    }
  }

  private static Fuzz.Property<byte[]> with(String name) {
    return content -> {
      for (String config : CONFIGS) {
        Files.write(dir.resolve(config), config.equals(name) ? content : Files.readAllBytes(ShippedModel.directory()
            .resolve(config)));
      }
      Map<String, String> before = DirectorySnapshot.of(dir);
      try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
        assertThat(lm.vocabularySize()).isPositive();
      } catch (IllegalArgumentException e) {
        assertThat(e.getMessage()).as("names the model directory").contains(dir.toString());
      }
      assertThat(DirectorySnapshot.of(dir)).as("nothing changed").isEqualTo(before);
    };
  }

  private static void fuzz(String name, int cases) throws IOException {
    byte[] original = Files.readAllBytes(ShippedModel.directory().resolve(name));
    List<Function<SplittableRandom, byte[]>> kinds = List.of(
        r -> Fuzz.bytes(r, r.nextInt(200)),
        r -> java.util.Arrays.copyOf(original, r.nextInt(original.length)),
        r -> Fuzz.flipOneBit(r, original),
        r -> Fuzz.mangledJson(r, original),
        r -> Fuzz.mangledJson(r, original));
    Fuzz.forAll(name + ": random bytes, truncated, a bit flipped, a field replaced or removed", cases,
        r -> kinds.get(r.nextInt(kinds.size())).apply(r), with(name));
  }

  @Test
  void config() throws IOException {
    fuzz("config.json", 120);
  }

  @Test
  void generationConfig() throws IOException {
    fuzz("generation_config.json", 60);
  }

  @Test
  void tokenizerConfig() throws IOException {
    fuzz("tokenizer_config.json", 30);
  }
}
