package ai.iro.onnx.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} loaded with DJL's tokenizers (offline: nothing is
 * downloaded). Encodes without adding special tokens and without truncating; decodes skipping
 * special tokens. Thread safe; close it to free the native tokenizer (idempotent; any other use after
 * close throws {@link IllegalStateException}).
 *
 * <pre>{@code
 * try (TextTokenizer t = TextTokenizer.load(Path.of("models/kjv-tiny/tokenizer.json"))) {
 *   int[] ids = t.encode("In the beginning");
 *   String text = t.decode(ids);
 * }
 * }</pre>
 */
public final class TextTokenizer implements AutoCloseable {
  /** DJL options: no special tokens added, no truncation, no padding (the model checks lengths). */
  private static final Map<String, String> OPTIONS = Map.of("addSpecialTokens", "false", "truncation", "false",
      "padding", "false");

  private final Path file;
  private final HuggingFaceTokenizer tokenizer;
  private final int vocabularySize;
  private volatile boolean closed;

  private TextTokenizer(Path file, HuggingFaceTokenizer tokenizer, int vocabularySize) {
    this.file = file;
    this.tokenizer = tokenizer;
    this.vocabularySize = vocabularySize;
  }

  /**
   * Loads {@code tokenizer.json}.
   *
   * @param file the tokenizer.json file
   * @throws IllegalArgumentException if the file is missing or not a tokenizer (the message names it)
   */
  public static TextTokenizer load(Path file) {
    int size = vocabularySizeOf(file);
    try {
      HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(file, OPTIONS);
      return new TextTokenizer(file, t, size);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The number of token ids a {@code tokenizer.json} defines (largest id in its vocabulary or added
   * tokens, plus one), read without loading the tokenizer.
   *
   * @throws IllegalArgumentException if the file is missing or not a tokenizer (the message names it)
   */
  public static int vocabularySizeOf(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("tokenizer file " + file + " does not exist (expected a Hugging Face tokenizer.json)");
    }
    try {
      JsonNode root = new ObjectMapper().readTree(file.toFile());
      JsonNode vocab = root == null ? null : root.path("model").path("vocab");
      Preconditions.checkArgument(vocab != null && (vocab.isObject() || vocab.isArray()), "it has no model.vocab");
      int max = vocab.size() - 1;
      if (vocab.isObject()) {
        for (JsonNode id : vocab) {
          max = Math.max(max, id.asInt());
        }
      }
      for (JsonNode added : root.path("added_tokens")) {
        max = Math.max(max, added.path("id").asInt());
      }
      return max + 1;
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException("tokenizer file " + file + " is not a Hugging Face tokenizer.json: " + e.getMessage(), e);
    }
  }

  /** The number of token ids: the largest id in the vocabulary or added tokens, plus one. */
  public int vocabularySize() {
    return vocabularySize;
  }

  /** The file this tokenizer came from. */
  public Path file() {
    return file;
  }

  /** Token ids of {@code text}, without special tokens. */
  public int[] encode(String text) {
    checkOpen();
    Encoding e = tokenizer.encode(text, false, false);
    long[] ids = e.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  /** The text of {@code ids}, special tokens skipped. */
  public String decode(int[] ids) {
    checkOpen();
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return tokenizer.decode(l, true);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("tokenizer " + file + " is closed");
    }
  }

  /** Frees the native tokenizer. Idempotent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      tokenizer.close();
    }
  }
}
