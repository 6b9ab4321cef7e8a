package ai.iro.core;

/**
 * Receives progress and per-iteration metrics from {@link Aligner#align}, on the aligning thread.
 * Every method does nothing by default. An exception thrown here stops the alignment; iterations
 * already checkpointed stay saved.
 */
public interface AlignmentListener {

  /** A listener that ignores everything. */
  static AlignmentListener none() {
    return new AlignmentListener() {};
  }

  /** Called when a checkpoint already holds {@code completed} iterations and the run resumes after them. */
  default void onResume(int completed) {}

  /** Called when an iteration starts. */
  default void onIterationStart(int iteration, int iterations, int prompts) {}

  /** Called after each batch of prompts has been sampled and scored. */
  default void onProgress(int iteration, int promptsDone, int prompts) {}

  /** Called when the value function of an iteration is trained (and checkpointed, if asked). */
  default void onIterationEnd(IterationMetrics metrics) {}
}
