package ai.iro.onnx.features;

import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueExample;
import ai.iro.onnx.text.SentenceEncoder;
import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Value-head features from a {@link SentenceEncoder}: a state's features are the embedding of its
 * prompt followed by its response text, for base models that expose no hidden state. For training,
 * the text of each prefix of a response is decoded from its tokens with the base model's decoder, and
 * all prefixes of one example are encoded in one batch. Does not own the encoder: close it yourself.
 *
 * <pre>{@code
 * FeatureSource source = new TextFeatures("minilm", encoder, tokenizer::decode);
 * }</pre>
 */
public final class TextFeatures implements FeatureSource {

  private final SentenceEncoder encoder;
  private final Function<int[], String> decoder;
  private final String id;

  /**
   * Creates the source.
   *
   * @param encoderName names the sentence encoder, part of {@link #id()}
   * @param encoder the sentence encoder
   * @param decoder the text of response token ids, for example {@code tokenizer::decode}
   */
  public TextFeatures(String encoderName, SentenceEncoder encoder, Function<int[], String> decoder) {
    Objects.requireNonNull(encoderName, "encoderName");
    Preconditions.checkArgument(!encoderName.isBlank(), "encoderName must not be blank");
    this.encoder = Objects.requireNonNull(encoder, "encoder");
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.id = "text:" + encoderName + ":mean" + (encoder.normalizes() ? "-l2" : "") + ":" + encoder.dimension();
  }

  /** {@code "text:<encoderName>:mean[-l2]:<dimension>"}. */
  @Override
  public String id() {
    return id;
  }

  @Override
  public int dimension() {
    return encoder.dimension();
  }

  /** The text a state is encoded from: its prompt followed by its response text. */
  public static String textOf(State state) {
    return state.prompt() + state.responseText();
  }

  /** The embeddings of the states' texts, computed in one batch once per batch for all sources with this id. */
  @Override
  public float[][] compute(StateBatch states) {
    List<String> texts = new ArrayList<>(states.size());
    for (State s : states.states()) {
      texts.add(textOf(s));
    }
    return encoder.encode(texts);
  }

  /**
   * Encodes, per example, the prompt followed by the decoded text of each prefix of its response
   * tokens (none, the first, the first two, ...), in one batch per example.
   *
   * @throws IllegalStateException if the decoder returns null
   */
  @Override
  public List<float[][]> prefixFeatures(List<ValueExample> examples) {
    List<float[][]> out = new ArrayList<>(examples.size());
    for (int e = 0; e < examples.size(); e++) {
      ValueExample example = examples.get(e);
      int[] tokens = example.responseTokens();
      List<String> texts = new ArrayList<>(tokens.length + 1);
      for (int j = 0; j <= tokens.length; j++) {
        String text = j == 0 ? "" : decoder.apply(Arrays.copyOf(tokens, j));
        if (text == null) {
          throw new IllegalStateException("the decoder returned null for the first " + j
              + " response tokens of example " + e);
        }
        texts.add(example.prompt() + text);
      }
      out.add(encoder.encode(texts));
    }
    return out;
  }

  @Override
  public String toString() {
    return "TextFeatures{" + id + "}";
  }
}
