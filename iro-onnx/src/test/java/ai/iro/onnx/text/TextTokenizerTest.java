package ai.iro.onnx.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.onnx.lm.ShippedModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TextTokenizerTest {
  private static final Path FILE = ShippedModel.directory().resolve("tokenizer.json");
  private static final int END_OF_TEXT = 2047;

  @Test
  void roundTripsTextWithoutAddingSpecialTokens() {
    try (TextTokenizer t = TextTokenizer.load(FILE)) {
      String text = "In the beginning God created the heaven and the earth. Caf\u00e9, na\u00efve \u2014 \u00e6on!";
      int[] ids = t.encode(text);
      assertThat(ids).isNotEmpty().doesNotContain(END_OF_TEXT);
      assertThat(t.decode(ids)).isEqualTo(text);
      assertThat(t.encode("")).isEmpty();
      assertThat(t.vocabularySize()).isEqualTo(2048);
      assertThat(TextTokenizer.vocabularySizeOf(FILE)).isEqualTo(2048);
      assertThat(t.file()).isEqualTo(FILE);
    }
  }

  @Test
  void decodingSkipsSpecialTokens() {
    try (TextTokenizer t = TextTokenizer.load(FILE)) {
      int[] ids = t.encode("Amen.");
      int[] withSpecials = new int[ids.length + 2];
      withSpecials[0] = END_OF_TEXT;
      System.arraycopy(ids, 0, withSpecials, 1, ids.length);
      withSpecials[withSpecials.length - 1] = END_OF_TEXT;
      assertThat(t.decode(withSpecials)).isEqualTo("Amen.");
    }
  }

  @Test
  void longTextsAreNotTruncated() {
    try (TextTokenizer t = TextTokenizer.load(FILE)) {
      assertThat(t.encode("and the LORD ".repeat(1000))).hasSizeGreaterThan(2000);
    }
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseIsAnError() {
    TextTokenizer t = TextTokenizer.load(FILE);
    t.close();
    t.close();
    assertThatThrownBy(() -> t.encode("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> t.decode(new int[] {1})).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void missingFileIsNamed() {
    Path missing = Path.of("no/such/tokenizer.json");
    assertThatThrownBy(() -> TextTokenizer.load(missing)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString());
  }
}
