package ai.iro.examples;

import ai.iro.core.AlignmentListener;
import ai.iro.core.IterationMetrics;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Progress bars on the terminal for the long steps, and a log line per finished iteration. */
final class Progress implements AlignmentListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

  private final String name;
  private ProgressBar bar;

  Progress(String name) {
    this.name = name;
  }

  /** Starts a bar of {@code steps} steps. */
  void stage(String task, int steps) {
    close();
    bar = new ProgressBarBuilder().setTaskName(name + ": " + task).setInitialMax(steps)
        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).build();
  }

  /** Advances the current bar. */
  void step() {
    if (bar != null) {
      bar.step();
    }
  }

  @Override
  public void onResume(int completed) {
    LOG.info("resuming after {} completed iteration(s) found in the checkpoint", completed);
  }

  @Override
  public void onIterationStart(int iteration, int iterations, int prompts) {
    stage("iteration " + iteration + "/" + iterations + " prompts", prompts);
  }

  @Override
  public void onProgress(int iteration, int promptsDone, int prompts) {
    if (bar != null) {
      bar.stepTo(promptsDone);
    }
  }

  @Override
  public void onIterationEnd(IterationMetrics m) {
    close();
    LOG.info(String.format(java.util.Locale.ROOT,
        "iteration %d: samples %d, mean reward %.3f (max %.1f), kept mean %.3f, %d value examples, "
            + "value loss %.4f, %d tokens, %.1f s",
        m.iteration(), m.samples(), m.meanSampleReward(), m.maxSampleReward(), m.meanKeptReward(), m.examples(),
        m.valueLoss(), m.tokensSampled(), m.wallTime().toMillis() / 1000.0));
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
      bar = null;
    }
  }
}
