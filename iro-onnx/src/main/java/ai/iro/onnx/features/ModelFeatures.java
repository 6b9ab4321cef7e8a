package ai.iro.onnx.features;

import ai.iro.core.data.Prompt;
import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueExample;
import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The base model's own features: a state's last hidden state (or what the model makes of its
 * hidden states, such as {@code OnnxCausalLM}'s last-and-mean), which the model attaches to the
 * states it decodes ({@link State#features()}), and for training a function that computes the
 * features of every prefix of a response in one forward pass. Immutable.
 *
 * <p>An {@code OnnxCausalLM} gives its own, named by the SHA-256 of its model file, so that heads
 * trained on one model load only against the same weights:
 *
 * <pre>{@code
 * FeatureSource source = lm.features();
 * }</pre>
 *
 * Other base models construct it with a name that identifies their weights:
 *
 * <pre>{@code
 * FeatureSource source = new ModelFeatures("my-model-v3", 4096, myModel::prefixFeatures);
 * }</pre>
 */
public final class ModelFeatures implements FeatureSource {

  /**
   * Computes the hidden states of every prefix of a response. A lambda gives the one-response
   * method; a model that runs many responses in one forward pass also overrides the batch method,
   * which {@link ModelFeatures#prefixFeatures(List)} calls.
   */
  @FunctionalInterface
  public interface PrefixFeatures {
    /**
     * The hidden state after the prompt alone, then after each response token.
     *
     * @param prompt the prompt
     * @param responseTokens the response's token ids
     * @return {@code responseTokens.length + 1} rows of the source's {@link ModelFeatures#dimension()}
     */
    float[][] prefixFeatures(String prompt, int[] responseTokens);

    /**
     * As {@link #prefixFeatures(String, int[])} for a prompt record, whose conversation a chat
     * model reads. The default serves models that read text only: a plain-text record is its text,
     * and any other conversation is refused rather than read as its last user message.
     *
     * @throws UnsupportedOperationException if the record is a conversation other than one user message
     */
    default float[][] prefixFeatures(Prompt prompt, int[] responseTokens) {
      if (!prompt.isPlainText()) {
        throw new UnsupportedOperationException("the prompt is a conversation of " + prompt.messages().size()
            + " messages " + prompt.roles() + " and " + getClass().getName() + " computes features of plain text "
            + "only; implement prefixFeatures(Prompt, int[]) to render conversations");
      }
      return prefixFeatures(prompt.text(), responseTokens);
    }

    /**
     * {@link #prefixFeatures(Prompt, int[])} of each response, in order. By default one call per
     * response.
     *
     * @param prompts the prompts
     * @param responseTokens each prompt's response, as many as prompts
     * @return per response, {@code responseTokens.get(i).length + 1} rows of the source's dimension
     * @throws IllegalArgumentException if the lists differ in size
     */
    default List<float[][]> prefixFeatures(List<Prompt> prompts, List<int[]> responseTokens) {
      Preconditions.checkArgument(prompts.size() == responseTokens.size(),
          "%s prompts but %s responses; expected one response per prompt", prompts.size(), responseTokens.size());
      List<float[][]> out = new ArrayList<>(prompts.size());
      for (int i = 0; i < prompts.size(); i++) {
        out.add(prefixFeatures(prompts.get(i), responseTokens.get(i)));
      }
      return out;
    }
  }

  private final String modelName;
  private final int dimension;
  private final PrefixFeatures prefixFeatures;
  private final String id;

  /**
   * Creates the source.
   *
   * @param modelName names the base model, part of {@link #id()}
   * @param dimension the model's hidden size
   * @param prefixFeatures computes the features of a response's prefixes
   */
  public ModelFeatures(String modelName, int dimension, PrefixFeatures prefixFeatures) {
    this(modelName, "last_hidden_state", dimension, prefixFeatures);
  }

  /**
   * Creates the source of features other than the last hidden state alone.
   *
   * @param modelName names the base model, part of {@link #id()}
   * @param featureName names what the features are, part of {@link #id()}: letters, digits and
   *     underscores, for example {@code last_and_mean_hidden_state}
   * @param dimension the feature length
   * @param prefixFeatures computes the features of a response's prefixes
   */
  public ModelFeatures(String modelName, String featureName, int dimension, PrefixFeatures prefixFeatures) {
    this.modelName = Objects.requireNonNull(modelName, "modelName");
    Preconditions.checkArgument(!modelName.isBlank(), "modelName must not be blank");
    Objects.requireNonNull(featureName, "featureName");
    Preconditions.checkArgument(featureName.matches("[A-Za-z0-9_]+"),
        "featureName must be letters, digits and underscores, found \"%s\"", featureName);
    Preconditions.checkArgument(dimension > 0, "dimension must be positive, found %s", dimension);
    this.dimension = dimension;
    this.prefixFeatures = Objects.requireNonNull(prefixFeatures, "prefixFeatures");
    this.id = "model:" + modelName + ":" + featureName + ":" + dimension;
  }

  /** The base model's name given at construction. */
  public String modelName() {
    return modelName;
  }

  /** {@code "model:<modelName>:<featureName>:<dimension>"}, the feature name {@code last_hidden_state} by default. */
  @Override
  public String id() {
    return id;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  /**
   * The states' own features, computed once per batch for all sources with this id.
   *
   * @throws IllegalArgumentException if a state carries no features or features of another length
   */
  @Override
  public float[][] compute(StateBatch states) {
    float[][] rows = new float[states.size()][];
    for (int i = 0; i < rows.length; i++) {
      Optional<float[]> f = states.get(i).features();
      if (f.isEmpty()) {
        throw new IllegalArgumentException("state " + i + " has no features: the base model provides no "
            + "features; use a text encoder as the feature source");
      }
      float[] row = f.get();
      if (row.length != dimension) {
        throw new IllegalArgumentException("state " + i + " has " + row.length + " features, expected "
            + dimension + " for " + id);
      }
      rows[i] = row;
    }
    return rows;
  }

  /**
   * Runs the prefix function's batch method once on all the examples.
   *
   * @throws IllegalStateException if it returns another number of matrices than examples, or a
   *     matrix of the wrong shape
   */
  @Override
  public List<float[][]> prefixFeatures(List<ValueExample> examples) {
    List<Prompt> prompts = new ArrayList<>(examples.size());
    List<int[]> responses = new ArrayList<>(examples.size());
    for (ValueExample example : examples) {
      prompts.add(example.source());
      responses.add(example.responseTokens());
    }
    List<float[][]> all = prefixFeatures.prefixFeatures(prompts, responses);
    if (all == null || all.size() != examples.size()) {
      throw new IllegalStateException("prefix features of " + examples.size() + " examples came back as "
          + (all == null ? "no list" : all.size() + " matrices"));
    }
    List<float[][]> out = new ArrayList<>(examples.size());
    for (int e = 0; e < examples.size(); e++) {
      ValueExample example = examples.get(e);
      float[][] rows = all.get(e);
      int expected = example.responseLength() + 1;
      if (rows == null || rows.length != expected) {
        throw new IllegalStateException("prefix features of example " + e + " have "
            + (rows == null ? "no" : rows.length) + " rows, expected " + expected + " (response length + 1)");
      }
      for (int j = 0; j < rows.length; j++) {
        if (rows[j] == null || rows[j].length != dimension) {
          throw new IllegalStateException("prefix features of example " + e + ", row " + j + " have "
              + (rows[j] == null ? "no" : rows[j].length) + " values, expected " + dimension);
        }
      }
      out.add(rows);
    }
    return out;
  }

  @Override
  public String toString() {
    return "ModelFeatures{" + id + "}";
  }
}
