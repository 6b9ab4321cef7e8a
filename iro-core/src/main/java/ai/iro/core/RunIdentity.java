package ai.iro.core;

import ai.iro.core.data.PromptDataset;
import ai.iro.core.data.PromptSplit;
import ai.iro.core.internal.PolicyManifest;
import ai.iro.core.resample.Resampler;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.Reweighting;
import ai.iro.core.value.ValueTarget;
import ai.iro.core.value.ValueTrainer;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What makes two alignment runs the same run, so that a checkpoint directory is resumed only by
 * the run that wrote it: the search and alignment settings, the seed, the dataset's fingerprint,
 * the reward model's {@code id()} and the value trainer's {@code describe()}; the training resampler
 * only when given (the aligner gives it when it differs from the searcher's), so that runs without
 * one keep their ids. Immutable.
 */
final class RunIdentity {
  private final Map<String, String> ordered;
  private final String runId;

  RunIdentity(Map<String, String> parts) {
    this.ordered = Collections.unmodifiableMap(new LinkedHashMap<>(parts));
    StringBuilder spec = new StringBuilder();
    parts.forEach((k, v) -> spec.append(k).append('=').append(v).append('\n'));
    this.runId = Hashing.sha256().hashString(spec, StandardCharsets.UTF_8).toString().substring(0, 16);
  }

  /** The identity of an alignment run with these settings, in the order the manifest records them. */
  static RunIdentity of(Searcher searcher, Optional<Resampler> trainingResampler, int iterations, List<Double> betas,
      Reweighting selection, ValueTarget valueTarget, PromptSplit split, int initialSamples, int batchSize, long seed,
      PromptDataset dataset, RewardModel reward, ValueTrainer trainer) {
    Map<String, String> parts = new LinkedHashMap<>();
    parts.put("search", PolicyManifest.searchSpec(searcher));
    trainingResampler.ifPresent(r -> parts.put("trainingResampler", r.spec()));
    parts.put("iterations", String.valueOf(iterations));
    parts.put("betas", betas.toString());
    parts.put("reweighting", selection.spec());
    if (!valueTarget.isMonteCarlo()) {
      parts.put("valueTarget", valueTarget.spec());
    }
    parts.put("split", split == PromptSplit.FRESH_SLICES ? "FRESH_SLICES(shuffled)" : split.name());
    parts.put("initialSamples", String.valueOf(initialSamples));
    parts.put("batchSize", String.valueOf(batchSize));
    parts.put("seed", String.valueOf(seed));
    parts.put("dataset", dataset.fingerprint());
    parts.put("reward", reward.id().orElse("(no id)"));
    parts.put("valueTrainer", trainer.describe().orElse("(no description)"));
    return new RunIdentity(parts);
  }

  /** The parts, in the order they were given. */
  Map<String, String> parts() {
    return ordered;
  }

  /** A short hash of every part. */
  String runId() {
    return runId;
  }

  /**
   * Says how the run of {@code existing} differs from this one, naming every part that differs
   * with both values; for a manifest that recorded no parts, says which parts may differ.
   */
  String differenceFrom(PolicyManifest existing) {
    Map<String, String> old = existing.identity();
    if (old.isEmpty()) {
      return "the settings, seed, dataset, reward or value trainer differ (that manifest does not record which)";
    }
    List<String> diffs = new ArrayList<>();
    for (String key : new TreeSet<>(union(old.keySet(), ordered.keySet()))) {
      String was = old.get(key);
      String now = ordered.get(key);
      if (!Objects.equals(was, now)) {
        diffs.add(key + ": " + quote(was) + " there, " + quote(now) + " here");
      }
    }
    return String.join("; ", diffs);
  }

  private static TreeSet<String> union(Iterable<String> a, Iterable<String> b) {
    TreeSet<String> out = new TreeSet<>();
    a.forEach(out::add);
    b.forEach(out::add);
    return out;
  }

  private static String quote(String s) {
    return s == null ? "(absent)" : "\"" + s + "\"";
  }
}
