package ai.iro.examples.eval;

import ai.iro.core.resample.Resamplers;
import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.Reweighting;
import ai.iro.core.value.ValueTarget;
import ai.iro.core.value.ValueTrainer;
import ai.iro.onnx.lm.HiddenFeatures;
import ai.iro.onnx.value.MlpValueTrainer;
import com.google.common.collect.ImmutableMap;
import java.util.List;
import java.util.Map;

/**
 * The value recipes {@code iro eval --value NAME} knows. Add one by adding an entry to
 * {@link #ALL}. Stateless.
 */
public final class ValueRecipes {
  /** The paper's recipe and today's default: keep each prompt's best sample, an MLP head with the library's defaults. */
  public static final ValueRecipe PAPER = new ValueRecipe("paper", ValueRecipes::defaultTrainer,
      b -> b.reweighting(Reweighting.best()));

  /** Every candidate with weights softmax(r / (0.5 sd)) per prompt, Monte-Carlo targets: the library's default. */
  public static final ValueRecipe WEIGHTED = new ValueRecipe("weighted", ValueRecipes::defaultTrainer,
      b -> b.reweighting(Reweighting.weighted(0.5)));

  /** Every candidate with weights softmax(r / sd) per prompt. */
  public static final ValueRecipe WEIGHTED_ONE = new ValueRecipe("weighted-1", ValueRecipes::defaultTrainer,
      b -> b.reweighting(Reweighting.weighted(1.0)));

  /**
   * Every candidate unweighted, Monte-Carlo targets: each head estimates the value of the policy
   * that sampled its answers (policy evaluation, as the one-shot value does for the base model),
   * instead of the value of a tilt of it.
   */
  public static final ValueRecipe ALL_CANDIDATES = new ValueRecipe("all", ValueRecipes::defaultTrainer,
      b -> b.reweighting(Reweighting.all()));

  /** Every candidate unweighted, soft value targets over shared prefixes (temperature 0.5 sd). */
  public static final ValueRecipe SOFT = new ValueRecipe("soft", ValueRecipes::defaultTrainer,
      b -> b.reweighting(Reweighting.all()).valueTarget(ValueTarget.soft(0.5)));

  /** Weighted and soft together. */
  public static final ValueRecipe WEIGHTED_SOFT = new ValueRecipe("weighted-soft", ValueRecipes::defaultTrainer,
      b -> b.reweighting(Reweighting.weighted(0.5)).valueTarget(ValueTarget.soft(0.5)));

  /** Weighted, each head warm-started from the previous one. */
  public static final ValueRecipe WARM = new ValueRecipe("weighted-warm",
      f -> MlpValueTrainer.builder().features(f).warmStart(true).build(),
      b -> b.reweighting(Reweighting.weighted(0.5)));

  /** Weighted, a wider and deeper head. */
  public static final ValueRecipe WIDE = new ValueRecipe("weighted-wide",
      f -> MlpValueTrainer.builder().features(f).hiddenSizes(512, 256).build(),
      b -> b.reweighting(Reweighting.weighted(0.5)));

  /** Weighted, each head fitted to the residual of the earlier stack (boosting). */
  public static final ValueRecipe RESIDUAL = new ValueRecipe("weighted-residual",
      f -> MlpValueTrainer.builder().features(f).residual(true).build(),
      b -> b.reweighting(Reweighting.weighted(0.5)));

  /** Weighted, the heads reading the mean of the response's hidden states next to the last one. */
  public static final ValueRecipe POOLED = new ValueRecipe("weighted-pooled", ValueRecipes::defaultTrainer,
      b -> b.reweighting(Reweighting.weighted(0.5)), HiddenFeatures.LAST_AND_MEAN, false);

  /**
   * Weighted, the heads reading the task's reward of the response so far next to the last hidden
   * state ({@code PrefixRewardFeatures}): what the paper's reward-initialised value functions know.
   */
  public static final ValueRecipe PREFIX_REWARD = new ValueRecipe("weighted-prefix-reward",
      ValueRecipes::defaultTrainer, b -> b.reweighting(Reweighting.weighted(0.5)), HiddenFeatures.LAST, true);

  /**
   * Weighted, every head with beta = 1 (the paper's summarisation setting): the stack is the plain
   * sum of the heads, each iteration's as strong as the first's. For 3 iterations (the betas number
   * one per iteration; {@link EvalSettings} refuses other counts).
   */
  public static final ValueRecipe EQUAL_BETAS = new ValueRecipe("weighted-equal-betas", ValueRecipes::defaultTrainer,
      b -> b.reweighting(Reweighting.weighted(0.5)).betas(1.0, 1.0, 1.0), HiddenFeatures.LAST, false,
      java.util.Optional.of(3));

  /**
   * Weighted, iterations 2..T sampling their training answers with random survivors: systematic
   * resampling on {@code softmax(z / 0.5)}, z the stack's scores standardised among a prompt's
   * candidates, instead of the best W (particle-filter style, not an exact sample of the guided
   * policy). The next head then also sees states the stack ranks below the top; the policy still
   * searches with the best W.
   */
  public static final ValueRecipe SMC = new ValueRecipe("weighted-smc", ValueRecipes::defaultTrainer,
      b -> b.reweighting(Reweighting.weighted(0.5))
          .trainingResampler(Resamplers.standardized(Resamplers.systematic(0.5))));

  /**
   * Weighted, iterations 2..T sampling their training answers by sequential Monte Carlo: at each
   * chunk the survivors are drawn by systematic resampling on {@code exp(increment)}, the increment
   * being how much a candidate's stack score rose since the prefix it was forked from
   * ({@link Resamplers#incremental}). With the base model proposing each chunk, the training answers
   * then approximate (16 particles per prompt) a sample of the base model tilted by
   * {@code exp(stack score)}, the paper's guided policy, not the best W. The policy still searches
   * with the best W.
   */
  public static final ValueRecipe SMC_EXACT = new ValueRecipe("weighted-smc-exact", ValueRecipes::defaultTrainer,
      b -> b.reweighting(Reweighting.weighted(0.5))
          .trainingResampler(Resamplers.incremental(Resamplers.systematic(1.0))));

  /**
   * As {@link #SMC_EXACT}, but each chunk's increments are standardised among the prompt's
   * candidates before the systematic draw on {@code softmax(z / 1.0)}: the tilt is measured in
   * the chunk's own spread, so that a reward of any scale (a dense reward whose values differ in
   * the second decimal as much as a sentiment score in units) gets the same selective pressure.
   * Adaptive tempering, not an exact sample of a fixed tilted policy. The policy still searches
   * with the best W.
   */
  public static final ValueRecipe SMC_STANDARDIZED = new ValueRecipe("weighted-smc-standardized",
      ValueRecipes::defaultTrainer, b -> b.reweighting(Reweighting.weighted(0.5))
          .trainingResampler(Resamplers.standardized(Resamplers.incremental(Resamplers.systematic(1.0)))));

  /**
   * {@link #ALL_CANDIDATES}' unweighted targets on {@link #SMC_STANDARDIZED}'s training answers:
   * each head the plain Monte Carlo value of the particle-sampled guided policy.
   */
  public static final ValueRecipe ALL_SMC_STANDARDIZED = new ValueRecipe("all-smc-standardized",
      ValueRecipes::defaultTrainer, b -> b.reweighting(Reweighting.all())
          .trainingResampler(Resamplers.standardized(Resamplers.incremental(Resamplers.systematic(1.0)))));

  /** The default recipe: {@link #WEIGHTED}, the library's default reweighting. */
  public static final ValueRecipe DEFAULT = WEIGHTED;

  private static final Map<String, ValueRecipe> ALL = ImmutableMap.<String, ValueRecipe>builder()
      .put(PAPER.name(), PAPER).put(WEIGHTED.name(), WEIGHTED).put(WEIGHTED_ONE.name(), WEIGHTED_ONE)
      .put(ALL_CANDIDATES.name(), ALL_CANDIDATES)
      .put(SOFT.name(), SOFT).put(WEIGHTED_SOFT.name(), WEIGHTED_SOFT).put(WARM.name(), WARM).put(WIDE.name(), WIDE)
      .put(RESIDUAL.name(), RESIDUAL).put(POOLED.name(), POOLED)
      .put(EQUAL_BETAS.name(), EQUAL_BETAS).put(SMC.name(), SMC).put(SMC_EXACT.name(), SMC_EXACT)
      .put(SMC_STANDARDIZED.name(), SMC_STANDARDIZED).put(ALL_SMC_STANDARDIZED.name(), ALL_SMC_STANDARDIZED)
      .put(PREFIX_REWARD.name(), PREFIX_REWARD).build();

  private ValueRecipes() {}

  /** An MLP head with the library's defaults on {@code features}. */
  static ValueTrainer defaultTrainer(FeatureSource features) {
    return MlpValueTrainer.builder().features(features).build();
  }

  /** The names of every recipe. */
  public static List<String> names() {
    return List.copyOf(ALL.keySet());
  }

  /**
   * The recipe of that name.
   *
   * @throws IllegalArgumentException if there is none
   */
  public static ValueRecipe named(String name) {
    ValueRecipe r = ALL.get(name);
    if (r == null) {
      throw new IllegalArgumentException("unknown value recipe \"" + name + "\": expected one of " + names());
    }
    return r;
  }
}
