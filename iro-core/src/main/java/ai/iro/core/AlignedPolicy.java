package ai.iro.core;

import ai.iro.core.data.ChatMessage;
import ai.iro.core.data.Prompt;
import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.internal.PolicyDirectory;
import ai.iro.core.internal.PolicyManifest;
import ai.iro.core.model.BaseModel;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.SearchOutcome;
import ai.iro.core.search.SearchResult;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.ValueFunction;
import ai.iro.core.value.ValueFunctionLoader;
import ai.iro.core.value.ValueStack;
import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of alignment: the frozen base model steered by the value stack
 * {@code sum_i V_i / beta_i} through a {@link Searcher}. Immutable; the {@code with...} methods
 * return changed copies.
 *
 * <pre>{@code
 * AlignedPolicy policy = aligner.align(dataset);
 * String answer = policy.generate("Blessed are the");
 * policy.save(Path.of("policy"));
 * AlignedPolicy again = AlignedPolicy.load(Path.of("policy"), model);
 * }</pre>
 *
 * <p>The final answer is the reward model's favourite among the search's finals when the policy
 * has a reward model (the policy {@link Aligner#align} returns has the aligner's), else the
 * highest value-stack score: {@link #withReward} and {@link #withoutReward} choose. A policy read
 * by {@link #load} has none until one is attached.
 *
 * <p>Generation is deterministic: the same policy, seed and prompts give the same text.
 *
 * <p>Thread safety: {@link #generate} and {@link #search} may be called from several threads at
 * once when the base model, value functions (and their feature source) and reward model are thread
 * safe; each call opens its own decoding and the policy itself holds no mutable state. With
 * {@code OnnxCausalLM}, {@code MlpValueHead} and a pure reward function every thread gets the
 * results of serial calls ({@code ThreadSafetyTest} in iro-onnx checks 2 x cores threads). Loading
 * and saving read and write files: do not save into a directory another thread or process writes.
 */
public final class AlignedPolicy {
  private final BaseModel model;
  private final ValueStack values;
  private final Searcher searcher;
  private final Optional<RewardModel> reward;
  private final PolicyManifest manifest;

  AlignedPolicy(BaseModel model, ValueStack values, Searcher searcher, Optional<RewardModel> reward,
      PolicyManifest manifest) {
    this.model = Objects.requireNonNull(model, "model");
    this.values = Objects.requireNonNull(values, "values");
    this.searcher = Objects.requireNonNull(searcher, "searcher");
    this.reward = Objects.requireNonNull(reward, "reward");
    this.manifest = Objects.requireNonNull(manifest, "manifest");
  }

  /** Generates a response to {@code prompt} with the policy's seed. */
  public String generate(String prompt) {
    return search(List.of(prompt), seedFor(List.of(prompt))).results().get(0).text();
  }

  /** Generates a response to each prompt, in one batch, with the policy's seed. */
  public List<String> generate(List<String> prompts) {
    List<String> out = new ArrayList<>();
    for (SearchResult r : search(prompts, seedFor(prompts)).results()) {
      out.add(r.text());
    }
    return out;
  }

  /**
   * Generates a response to a prompt record with the policy's seed: a chat prompt's whole
   * conversation reaches the model's chat template ({@link BaseModel#openPrompts}). A plain-text
   * record gives what {@link #generate(String)} gives for its text.
   *
   * @throws UnsupportedOperationException if the prompt is a conversation the model cannot render
   */
  public String generate(Prompt prompt) {
    List<Prompt> prompts = List.of(Objects.requireNonNull(prompt, "prompt"));
    return searchPrompts(prompts, promptSeed(prompts)).results().get(0).text();
  }

  /** Runs the policy's search with an explicit seed, returning every final candidate. */
  public SearchOutcome search(List<String> prompts, long seed) {
    return searcher.search(model, values, reward, prompts, seed);
  }

  /**
   * Runs the policy's search on prompt records with an explicit seed, returning every final
   * candidate; see {@link Searcher#searchPrompts}.
   */
  public SearchOutcome searchPrompts(List<Prompt> prompts, long seed) {
    return searcher.searchPrompts(model, values, reward, prompts, seed);
  }

  private long seedFor(List<String> prompts) {
    return AlignmentSeeds.generate(manifest.seed(), prompts.hashCode());
  }

  /**
   * The seed of prompt records: a plain record's is its text's, so {@code generate(Prompt.of(x))}
   * equals {@code generate(x)}; a conversation's hashes its roles and contents.
   */
  private long promptSeed(List<Prompt> prompts) {
    List<String> keys = new ArrayList<>(prompts.size());
    for (Prompt p : prompts) {
      StringBuilder key = new StringBuilder(p.text());
      if (!p.isPlainText()) {
        for (ChatMessage m : p.messages()) {
          key.append('\u0000').append(m.role()).append('\u0000').append(m.content());
        }
      }
      keys.add(key.toString());
    }
    return seedFor(keys);
  }

  /** The value stack. */
  public ValueStack values() {
    return values;
  }

  /** The number of iterations (value functions) in the stack. */
  public int iterations() {
    return values.size();
  }

  /** The search settings. */
  public Searcher searcher() {
    return searcher;
  }

  /** The base model. */
  public BaseModel baseModel() {
    return model;
  }

  /** The reward model used for the final pick, if any. */
  public Optional<RewardModel> reward() {
    return reward;
  }

  /** The seed. */
  public long seed() {
    return manifest.seed();
  }

  /** The metrics of the iterations that made this policy. */
  public AlignmentReport report() {
    return new AlignmentReport(manifest.entries().stream().map(PolicyManifest.Entry::metrics).toList(), seed());
  }

  /** The manifest this policy saves. */
  PolicyManifest manifest() {
    return manifest;
  }

  /** This policy with the final pick made by {@code rewardModel} among the finals. */
  public AlignedPolicy withReward(RewardModel rewardModel) {
    return new AlignedPolicy(model, values, searcher, Optional.of(rewardModel), manifest);
  }

  /**
   * This policy with the final pick made by value alone: the highest value-stack score among the
   * finals, no reward model called at generation time.
   */
  public AlignedPolicy withoutReward() {
    return new AlignedPolicy(model, values, searcher, Optional.empty(), manifest);
  }

  /** This policy with other search settings (for example another W, K or L). */
  public AlignedPolicy withSearcher(Searcher other) {
    return new AlignedPolicy(model, values, other, reward, manifest.withSearcher(other));
  }

  /**
   * The policy after its first {@code iterations} iterations: the stack of V_1 .. V_iterations.
   *
   * @param iterations between 0 and {@link #iterations()}
   */
  public AlignedPolicy upTo(int iterations) {
    Preconditions.checkArgument(iterations >= 0 && iterations <= values.size(),
        "iterations must be in [0, %s], found %s", values.size(), iterations);
    ValueStack stack = ValueStack.empty();
    for (ValueStack.Term t : values.terms().subList(0, iterations)) {
      stack = stack.with(t.function(), t.beta());
    }
    return new AlignedPolicy(model, stack, searcher, reward, manifest.truncated(iterations));
  }

  /**
   * Saves the policy into {@code directory} (created if absent): the manifest and each value
   * function's files, each written atomically. Reward models and the base model are not saved.
   *
   * @throws IllegalArgumentException if a value function is not savable, or the directory already
   *     holds another run's policy (nothing there is changed then)
   */
  public void save(Path directory) throws IOException {
    Optional<PolicyManifest> existing = PolicyDirectory.readManifest(directory);
    if (existing.isPresent() && !existing.get().runId().equals(manifest.runId())) {
      throw new IllegalArgumentException("directory " + directory + " already holds the policy of another run ("
          + existing.get().runId() + "); save into an empty directory");
    }
    List<ValueStack.Term> terms = values.terms();
    for (int i = 0; i < terms.size(); i++) {
      PolicyDirectory.writeValue(directory, manifest.entries().get(i).directory(), terms.get(i).function());
    }
    PolicyDirectory.writeManifest(directory, manifest);
  }

  /**
   * Loads a policy saved by {@link #save} or written as a checkpoint by {@link Aligner#align}, with
   * the value-function loaders found by {@link java.util.ServiceLoader}. A saved policy holds no
   * reward model (it may be a lambda): the loaded policy picks its final answer by value until
   * {@link #withReward} attaches one, as the method's own evaluation does.
   *
   * @param directory the policy directory
   * @param model the base model the policy was aligned on
   * @throws InvalidPolicyException if the manifest is missing, corrupt, or of an unknown version,
   *     or a value function cannot be read
   */
  public static AlignedPolicy load(Path directory, BaseModel model) throws IOException {
    return load(directory, model, List.of());
  }

  /** Like {@link #load(Path, BaseModel)}, with extra loaders that take precedence. */
  public static AlignedPolicy load(Path directory, BaseModel model, List<ValueFunctionLoader> loaders)
      throws IOException {
    PolicyManifest manifest = PolicyDirectory.readManifest(directory).orElseThrow(() ->
        new InvalidPolicyException(directory.resolve(PolicyManifest.FILE_NAME) + ": no policy manifest here"));
    return new AlignedPolicy(model, loadValues(directory, manifest, PolicyDirectory.loaders(loaders)),
        manifest.searcher(), Optional.empty(), manifest);
  }

  static ValueStack loadValues(Path directory, PolicyManifest manifest, Map<String, ValueFunctionLoader> loaders)
      throws IOException {
    ValueStack stack = ValueStack.empty();
    for (PolicyManifest.Entry e : manifest.entries()) {
      ValueFunction f = PolicyDirectory.readValue(directory, e.directory(), e.format(), loaders);
      stack = stack.with(f, e.beta());
    }
    return stack;
  }

  @Override
  public String toString() {
    return "AlignedPolicy{iterations=" + values.size() + ", searcher=" + searcher + "}";
  }
}
