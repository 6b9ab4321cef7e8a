package ai.iro.core.value;

import ai.iro.core.reward.RewardModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * One feature: the reward model's score of the response so far, {@code r(x, y_<j)}. The paper
 * initialises each value function from the reward model; a light head on the base model's features
 * can instead read the reward of the prefix next to them ({@link ConcatenatedFeatures}), which
 * tells it what the text has earned so far. It helps where the reward is informative on partial
 * answers (sums over words, a keyword already written, a classifier's running verdict) and costs
 * one reward call per scored state: every prefix of every training response, and every candidate
 * at every chunk of a search.
 *
 * <p>Its {@link #id()} names the reward's {@link RewardModel#id()}, so heads trained on it load only
 * against the same reward. Thread safe when the reward model and the decoder are.
 */
public final class PrefixRewardFeatures implements FeatureSource {
  /** The most prefixes scored in one reward call while computing training features. */
  static final int SCORE_BATCH = 4096;

  private final RewardModel reward;
  private final Function<int[], String> decoder;
  private final String id;

  /**
   * @param reward the reward model; it must have an {@link RewardModel#id()}
   * @param decoder turns response tokens into text as the base model's decodings do (for an
   *     {@code OnnxCausalLM}, {@code lm::decode}): training prefixes are scored on their decoded text
   * @throws IllegalArgumentException if the reward model has no id
   */
  public PrefixRewardFeatures(RewardModel reward, Function<int[], String> decoder) {
    this.reward = Objects.requireNonNull(reward, "reward");
    this.decoder = Objects.requireNonNull(decoder, "decoder");
    this.id = "prefix-reward:" + reward.id().orElseThrow(() -> new IllegalArgumentException("the reward model "
        + reward + " has no id; give it one (RewardModel.of(id, function)) so that heads trained on its scores "
        + "load only against it"));
  }

  /** {@code prefix-reward:<reward id>}. */
  @Override
  public String id() {
    return id;
  }

  @Override
  public int dimension() {
    return 1;
  }

  /** The reward of each state's prompt and response so far, in one call. */
  @Override
  public float[][] compute(StateBatch states) {
    List<String> prompts = new ArrayList<>(states.size());
    List<String> responses = new ArrayList<>(states.size());
    for (State s : states.states()) {
      prompts.add(s.prompt());
      responses.add(s.responseText());
    }
    double[] scores = scored(prompts, responses, states::get);
    float[][] out = new float[states.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = new float[] {(float) scores[i]};
    }
    return out;
  }

  /** The reward of every prefix of each example (its decoded first j tokens), in calls of at most 4,096 prefixes. */
  @Override
  public List<float[][]> prefixFeatures(List<ValueExample> examples) {
    List<float[][]> out = new ArrayList<>(examples.size());
    List<String> prompts = new ArrayList<>();
    List<String> responses = new ArrayList<>();
    List<float[]> targets = new ArrayList<>();
    for (ValueExample example : examples) {
      int[] tokens = example.responseTokens();
      float[][] rows = new float[tokens.length + 1][];
      for (int j = 0; j <= tokens.length; j++) {
        rows[j] = new float[1];
        prompts.add(example.prompt());
        responses.add(Objects.requireNonNull(decoder.apply(Arrays.copyOf(tokens, j)),
            "the decoder returned null for a response prefix"));
        targets.add(rows[j]);
        if (prompts.size() == SCORE_BATCH) {
          score(prompts, responses, targets);
        }
      }
      out.add(rows);
    }
    score(prompts, responses, targets);
    return out;
  }

  private void score(List<String> prompts, List<String> responses, List<float[]> targets) {
    if (prompts.isEmpty()) {
      return;
    }
    double[] scores = scored(prompts, responses,
        k -> "prompt \"" + prompts.get(k) + "\", response prefix \"" + responses.get(k) + "\"");
    for (int i = 0; i < targets.size(); i++) {
      targets.get(i)[0] = (float) scores[i];
    }
    prompts.clear();
    responses.clear();
    targets.clear();
  }

  /**
   * The reward's scores of the pairs, checked: one per pair, each finite.
   *
   * @param what names pair {@code k} in the message of a score that is not finite
   */
  private double[] scored(List<String> prompts, List<String> responses, IntFunction<Object> what) {
    double[] scores = reward.score(prompts, responses);
    if (scores == null || scores.length != prompts.size()) {
      throw new IllegalStateException("reward model " + id + " returned " + (scores == null ? "no scores"
          : scores.length + " scores") + " for " + prompts.size() + " prefixes");
    }
    for (int k = 0; k < scores.length; k++) {
      if (!Double.isFinite(scores[k])) {
        throw new IllegalStateException("reward model " + id + " scored " + what.apply(k) + " " + scores[k]
            + "; prefix rewards must be finite");
      }
    }
    return scores;
  }

  @Override
  public String toString() {
    return "PrefixRewardFeatures{" + id + "}";
  }
}
