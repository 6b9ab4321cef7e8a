package ai.iro.examples.eval;

import ai.iro.core.value.Reweighting;
import ai.iro.examples.ValueHeads;
import com.google.common.collect.ImmutableMap;
import java.util.List;
import java.util.Map;

/**
 * The value recipes {@code iro eval --value NAME} knows. Add one by adding an entry to
 * {@link #ALL}. Stateless.
 */
public final class ValueRecipes {
  /** The paper's recipe and today's default: keep each prompt's best sample, an MLP head with the library's defaults. */
  public static final ValueRecipe PAPER = new ValueRecipe("paper", ValueHeads::trainer,
      b -> b.reweighting(Reweighting.best()));

  /** The default recipe: {@link #PAPER}. */
  public static final ValueRecipe DEFAULT = PAPER;

  private static final Map<String, ValueRecipe> ALL = ImmutableMap.of(PAPER.name(), PAPER);

  private ValueRecipes() {}

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
