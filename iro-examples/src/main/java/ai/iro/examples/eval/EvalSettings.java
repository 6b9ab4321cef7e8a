package ai.iro.examples.eval;

import com.google.common.base.Preconditions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * What {@link Evaluation#run} does: which tasks, how many seeds, how much alignment and evaluation.
 * The defaults are the demo's protocol (300 fresh training prompts per iteration, 3 iterations,
 * 100 held-out prompts, 32 new tokens, chunks of 8 tokens). Immutable and thread safe.
 *
 * <pre>{@code
 * EvalSettings s = EvalSettings.builder().modelDirectory(dir).outputDirectory(Path.of("eval"))
 *     .tasks(List.of("sentiment", "sparse", "dense")).seeds(3).build();
 * }</pre>
 */
public final class EvalSettings {
  /** Default tasks: every built-in one, {@link Tasks#NAMES}. */
  public static final List<String> DEFAULT_TASKS = Tasks.NAMES;
  /** Default number of seeds: 3. */
  public static final int DEFAULT_SEEDS = 3;
  /** Default first seed: 42 (the demo's); the others follow it, 43, 44, .... */
  public static final long DEFAULT_FIRST_SEED = 42L;
  /** Default training prompts per IRO iteration (fresh each iteration): 300. */
  public static final int DEFAULT_PROMPTS_PER_ITERATION = 300;
  /** Default held-out prompts evaluated on: 100 (the same for every seed). */
  public static final int DEFAULT_EVALUATION_PROMPTS = 100;
  /** Default IRO iterations T: 3. */
  public static final int DEFAULT_ITERATIONS = 3;
  /** Default response length limit: 32 tokens. */
  public static final int DEFAULT_MAX_NEW_TOKENS = 32;
  /** Default chunk length L of the searches: 8. */
  public static final int DEFAULT_CHUNK_LENGTH = 8;

  private final Path modelDirectory;
  private final Path outputDirectory;
  private final List<String> tasks;
  private final int seeds;
  private final long firstSeed;
  private final int promptsPerIteration;
  private final int evaluationPrompts;
  private final int iterations;
  private final int maxNewTokens;
  private final int chunkLength;
  private final int smallChunkLength;
  private final ValueRecipe recipe;
  private final int bootstrapResamples;
  private final int keepDecodedStatesMiB;

  private EvalSettings(Builder b) {
    this.modelDirectory = b.modelDirectory;
    this.outputDirectory = b.outputDirectory;
    this.tasks = List.copyOf(b.tasks);
    this.seeds = b.seeds;
    this.firstSeed = b.firstSeed;
    this.promptsPerIteration = b.promptsPerIteration;
    this.evaluationPrompts = b.evaluationPrompts;
    this.iterations = b.iterations;
    this.maxNewTokens = b.maxNewTokens;
    this.chunkLength = b.chunkLength;
    this.smallChunkLength = b.smallChunkLength;
    this.recipe = b.recipe;
    this.bootstrapResamples = b.bootstrapResamples;
    this.keepDecodedStatesMiB = b.keepDecodedStatesMiB;
  }

  /** A builder with the defaults; the model and output directories are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A short run for tests and a first look: 32 training prompts per iteration, 2 iterations,
   * 24 held-out prompts, 16 new tokens, 1,000 bootstrap resamples; the other defaults kept.
   */
  public static Builder quick() {
    return builder().promptsPerIteration(32).iterations(2).evaluationPrompts(24).maxNewTokens(16)
        .bootstrapResamples(1_000);
  }

  /** A builder holding these settings. */
  public Builder toBuilder() {
    Builder b = new Builder().tasks(tasks).seeds(seeds).firstSeed(firstSeed).promptsPerIteration(promptsPerIteration)
        .evaluationPrompts(evaluationPrompts).iterations(iterations).maxNewTokens(maxNewTokens).chunkLength(chunkLength)
        .recipe(recipe).bootstrapResamples(bootstrapResamples).keepDecodedStatesMiB(keepDecodedStatesMiB);
    b.smallChunkLength = smallChunkLength;
    b.modelDirectory = modelDirectory;
    b.outputDirectory = outputDirectory;
    return b;
  }

  /** The base model's directory (with {@code prompts-train.jsonl} and {@code prompts-heldout.jsonl}). */
  public Path modelDirectory() {
    return modelDirectory;
  }

  /** Where {@code eval-results.json} and {@code eval-results.png} go. */
  public Path outputDirectory() {
    return outputDirectory;
  }

  /** The task names, in report order. */
  public List<String> tasks() {
    return tasks;
  }

  /** The number of seeds. */
  public int seeds() {
    return seeds;
  }

  /** The seeds: {@link #firstSeed()}, the next, ..., {@link #seeds()} of them. */
  public List<Long> seedValues() {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < seeds; i++) {
      out.add(firstSeed + i);
    }
    return out;
  }

  /** The first seed. */
  public long firstSeed() {
    return firstSeed;
  }

  /** Training prompts per IRO iteration. */
  public int promptsPerIteration() {
    return promptsPerIteration;
  }

  /** Held-out prompts evaluated on. */
  public int evaluationPrompts() {
    return evaluationPrompts;
  }

  /** IRO iterations T. */
  public int iterations() {
    return iterations;
  }

  /** The response length limit. */
  public int maxNewTokens() {
    return maxNewTokens;
  }

  /** The chunk length L. */
  public int chunkLength() {
    return chunkLength;
  }

  /** The chunk length of the searches at W·K = 4 (IRO-T at W = K = 2 and at W = 1, K = 4). */
  public int smallChunkLength() {
    return smallChunkLength == 0 ? chunkLength : smallChunkLength;
  }

  /** The value recipe. */
  public ValueRecipe recipe() {
    return recipe;
  }

  /** Bootstrap resamples per interval. */
  public int bootstrapResamples() {
    return bootstrapResamples;
  }

  /** The MiB of decoded hidden states the model keeps for value training, 0 for none. */
  public int keepDecodedStatesMiB() {
    return keepDecodedStatesMiB;
  }

  @Override
  public String toString() {
    return "EvalSettings{tasks=" + tasks + ", seeds=" + seedValues() + ", promptsPerIteration=" + promptsPerIteration
        + ", evaluationPrompts=" + evaluationPrompts + ", iterations=" + iterations + ", maxNewTokens=" + maxNewTokens
        + ", chunkLength=" + chunkLength + ", smallChunkLength=" + smallChunkLength() + ", recipe=" + recipe.name() + ", bootstrapResamples=" + bootstrapResamples
        + ", keepDecodedStatesMiB=" + keepDecodedStatesMiB + "}";
  }

  /** Builds {@link EvalSettings}. */
  public static final class Builder {
    private Path modelDirectory;
    private Path outputDirectory;
    private List<String> tasks = DEFAULT_TASKS;
    private int seeds = DEFAULT_SEEDS;
    private long firstSeed = DEFAULT_FIRST_SEED;
    private int promptsPerIteration = DEFAULT_PROMPTS_PER_ITERATION;
    private int evaluationPrompts = DEFAULT_EVALUATION_PROMPTS;
    private int iterations = DEFAULT_ITERATIONS;
    private int maxNewTokens = DEFAULT_MAX_NEW_TOKENS;
    private int chunkLength = DEFAULT_CHUNK_LENGTH;
    private int smallChunkLength;
    private ValueRecipe recipe = ValueRecipes.DEFAULT;
    private int bootstrapResamples = Bootstrap.DEFAULT_RESAMPLES;
    private int keepDecodedStatesMiB;

    private Builder() {}

    /** The base model's directory. Required. */
    public Builder modelDirectory(Path directory) {
      this.modelDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /** The output directory. Required. */
    public Builder outputDirectory(Path directory) {
      this.outputDirectory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /** The tasks, at least one, no repeats, each one of {@link Tasks#NAMES}. Default: {@link #DEFAULT_TASKS}. */
    public Builder tasks(List<String> tasks) {
      Preconditions.checkArgument(!tasks.isEmpty(), "at least one task is needed");
      Preconditions.checkArgument(new LinkedHashSet<>(tasks).size() == tasks.size(), "tasks repeat: %s", tasks);
      for (String t : tasks) {
        Preconditions.checkArgument(Tasks.NAMES.contains(t), "unknown task \"%s\": expected one of %s", t, Tasks.NAMES);
      }
      this.tasks = List.copyOf(tasks);
      return this;
    }

    /** The number of seeds, at least 1. Default: {@link #DEFAULT_SEEDS}. */
    public Builder seeds(int seeds) {
      Preconditions.checkArgument(seeds >= 1, "seeds must be at least 1, found %s", seeds);
      this.seeds = seeds;
      return this;
    }

    /** The first seed. Default: {@link #DEFAULT_FIRST_SEED}. */
    public Builder firstSeed(long firstSeed) {
      this.firstSeed = firstSeed;
      return this;
    }

    /** Training prompts per iteration, at least 1. Default: {@link #DEFAULT_PROMPTS_PER_ITERATION}. */
    public Builder promptsPerIteration(int prompts) {
      Preconditions.checkArgument(prompts >= 1, "promptsPerIteration must be at least 1, found %s", prompts);
      this.promptsPerIteration = prompts;
      return this;
    }

    /** Held-out prompts, at least 2 (a bootstrap needs two). Default: {@link #DEFAULT_EVALUATION_PROMPTS}. */
    public Builder evaluationPrompts(int prompts) {
      Preconditions.checkArgument(prompts >= 2, "evaluationPrompts must be at least 2, found %s", prompts);
      this.evaluationPrompts = prompts;
      return this;
    }

    /** IRO iterations, at least 1. Default: {@link #DEFAULT_ITERATIONS}. */
    public Builder iterations(int iterations) {
      Preconditions.checkArgument(iterations >= 1, "iterations must be at least 1, found %s", iterations);
      this.iterations = iterations;
      return this;
    }

    /** The response length limit, at least 1. Default: {@link #DEFAULT_MAX_NEW_TOKENS}. */
    public Builder maxNewTokens(int maxNewTokens) {
      Preconditions.checkArgument(maxNewTokens >= 1, "maxNewTokens must be at least 1, found %s", maxNewTokens);
      this.maxNewTokens = maxNewTokens;
      return this;
    }

    /** The chunk length L, at least 1. Default: {@link #DEFAULT_CHUNK_LENGTH}. */
    public Builder chunkLength(int chunkLength) {
      Preconditions.checkArgument(chunkLength >= 1, "chunkLength must be at least 1, found %s", chunkLength);
      this.chunkLength = chunkLength;
      return this;
    }

    /**
     * The chunk length of the two searches at W·K = 4, at least 1: with fewer samples a search can
     * still choose as often, at shorter chunks. Default: the chunk length L.
     */
    public Builder smallChunkLength(int smallChunkLength) {
      Preconditions.checkArgument(smallChunkLength >= 1, "smallChunkLength must be at least 1, found %s",
          smallChunkLength);
      this.smallChunkLength = smallChunkLength;
      return this;
    }

    /** The value recipe. Default: {@link ValueRecipes#DEFAULT}. */
    public Builder recipe(ValueRecipe recipe) {
      this.recipe = Objects.requireNonNull(recipe, "recipe");
      return this;
    }

    /** Bootstrap resamples per interval, at least 100. Default: {@link Bootstrap#DEFAULT_RESAMPLES}. */
    public Builder bootstrapResamples(int resamples) {
      Preconditions.checkArgument(resamples >= 100, "bootstrapResamples must be at least 100, found %s", resamples);
      this.bootstrapResamples = resamples;
      return this;
    }

    /**
     * The MiB of hidden states the model keeps from its decodings so that value training reads the
     * searches' own states instead of running the model over each sampled answer again
     * ({@code OnnxCausalLM.Builder.keepDecodedStates}); at least 0. Default: 0, none kept (every
     * measurement in the README before this setting existed ran without it).
     */
    public Builder keepDecodedStatesMiB(int mib) {
      Preconditions.checkArgument(mib >= 0, "keepDecodedStatesMiB must not be negative, found %s", mib);
      this.keepDecodedStatesMiB = mib;
      return this;
    }

    /**
     * The settings.
     *
     * @throws IllegalStateException if the model or output directory is missing
     * @throws IllegalArgumentException if the recipe is made for another iteration count
     */
    public EvalSettings build() {
      Preconditions.checkState(modelDirectory != null, "modelDirectory is required");
      Preconditions.checkState(outputDirectory != null, "outputDirectory is required");
      recipe.iterations().ifPresent(t -> Preconditions.checkArgument(t == iterations,
          "the value recipe %s is made for %s iterations, found %s", recipe.name(), t, iterations));
      return new EvalSettings(this);
    }
  }
}
