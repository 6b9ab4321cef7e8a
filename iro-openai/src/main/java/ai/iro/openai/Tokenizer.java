package ai.iro.openai;

import com.google.common.base.Preconditions;
import java.util.Objects;
import java.util.function.Function;

/**
 * The served model's tokenizer, held locally: what puts {@link OpenAiCompatibleModel} in token
 * mode. It must be the very tokenizer the server uses (its {@code tokenizer.json}); token ids then
 * mean the same on both sides. Implementations must be thread safe if the model is shared.
 *
 * <p>This module has no tokenizer of its own, to stay free of native code. iro-onnx's
 * {@code TextTokenizer} (DJL's Hugging Face tokenizers) has exactly these methods:
 *
 * <pre>{@code
 * TextTokenizer t = TextTokenizer.load(Path.of("Qwen2.5-0.5B/tokenizer.json"));
 * Tokenizer tokenizer = Tokenizer.of(t::encode, t::decode, t.vocabularySize());
 * }</pre>
 */
public interface Tokenizer {

  /** The token ids of {@code text}, without special tokens added (special tokens written in the text are kept). */
  int[] encode(String text);

  /** The text of {@code tokens}, special tokens skipped. */
  String decode(int[] tokens);

  /** The number of token ids: every valid id is in {@code [0, vocabularySize())}. */
  int vocabularySize();

  /**
   * A tokenizer from its two functions.
   *
   * @throws IllegalArgumentException if {@code vocabularySize} is not positive
   */
  static Tokenizer of(Function<String, int[]> encoder, Function<int[], String> decoder, int vocabularySize) {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(decoder, "decoder");
    Preconditions.checkArgument(vocabularySize > 0, "vocabularySize must be positive, found %s", vocabularySize);
    return new Tokenizer() {
      @Override
      public int[] encode(String text) {
        return encoder.apply(text);
      }

      @Override
      public String decode(int[] tokens) {
        return decoder.apply(tokens);
      }

      @Override
      public int vocabularySize() {
        return vocabularySize;
      }

      @Override
      public String toString() {
        return "Tokenizer{vocabularySize=" + vocabularySize + "}";
      }
    };
  }
}
