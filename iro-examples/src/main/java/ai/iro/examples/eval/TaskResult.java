package ai.iro.examples.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One task's results over all seeds: per-method summaries, the paired differences, and the raw runs.
 * Immutable and thread safe.
 *
 * @param task the task's name
 * @param shape what its reward looks like
 * @param methods every method, in report order
 * @param differences the paired differences: each method but Best-of-16 against Best-of-16, each IRO
 *     iteration against the one before, the last IRO iteration against the one-shot value
 * @param seeds the runs, one per seed
 */
public record TaskResult(String task, String shape, List<MethodSummary> methods, List<Difference> differences,
    List<SeedRun> seeds) {
  /** Copies the lists. */
  public TaskResult {
    methods = List.copyOf(methods);
    differences = List.copyOf(differences);
    seeds = List.copyOf(seeds);
  }

  /**
   * Summarises runs of every seed (all with the same methods on the same prompts).
   *
   * @param bootstrap the intervals' resampling
   */
  public static TaskResult of(Task task, List<SeedRun> runs, Bootstrap bootstrap) {
    List<String> names = runs.get(0).methods().stream().map(MethodResult::method).toList();
    List<MethodSummary> methods = new ArrayList<>();
    for (String name : names) {
      List<double[]> perSeed = runs.stream().map(r -> r.method(name).rewards()).toList();
      double[] averaged = Statistics.averageOverSeeds(perSeed);
      double tokens = runs.stream().mapToDouble(r -> (double) r.method(name).tokensSampled() / averaged.length)
          .average().orElseThrow();
      double wall = runs.stream().mapToDouble(r -> r.method(name).wallTime().toMillis() / 1000.0).average().orElseThrow();
      methods.add(new MethodSummary(name, bootstrap.mean(averaged),
          runs.stream().map(r -> r.method(name).meanReward()).toList(), tokens, wall));
    }
    List<Difference> differences = new ArrayList<>();
    for (String name : names) {
      if (!name.equals(Evaluation.BEST_OF_16)) {
        differences.add(difference(runs, name, Evaluation.BEST_OF_16, bootstrap));
      }
    }
    int t = 2;
    while (names.contains(Evaluation.iro(t))) {
      differences.add(difference(runs, Evaluation.iro(t), Evaluation.iro(t - 1), bootstrap));
      t++;
    }
    differences.add(difference(runs, Evaluation.iro(t - 1), Evaluation.ONE_SHOT, bootstrap));
    return new TaskResult(task.name(), task.shape(), methods, differences, runs);
  }

  private static Difference difference(List<SeedRun> runs, String method, String baseline, Bootstrap bootstrap) {
    double[] a = Statistics.averageOverSeeds(runs.stream().map(r -> r.method(method).rewards()).toList());
    double[] b = Statistics.averageOverSeeds(runs.stream().map(r -> r.method(baseline).rewards()).toList());
    List<Double> perSeed = runs.stream()
        .map(r -> r.method(method).meanReward() - r.method(baseline).meanReward()).toList();
    return new Difference(method, baseline, bootstrap.meanDifference(a, b), perSeed);
  }

  /** The summary of a method, if it was run. */
  public Optional<MethodSummary> method(String name) {
    return methods.stream().filter(m -> m.method().equals(name)).findFirst();
  }

  /** The difference of a method against a baseline, if it was computed. */
  public Optional<Difference> difference(String method, String baseline) {
    return differences.stream().filter(d -> d.method().equals(method) && d.baseline().equals(baseline)).findFirst();
  }
}
