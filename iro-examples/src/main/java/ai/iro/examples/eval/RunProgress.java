package ai.iro.examples.eval;

import ai.iro.core.AlignmentListener;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * One progress bar over a whole evaluation, counted in samples (a prompt searched with a budget of
 * 16 samples counts 16): alignment advances it prompt by prompt, evaluation method by method. Not
 * thread safe.
 */
final class RunProgress implements AutoCloseable {
  private final ProgressBar bar;
  private long done;

  RunProgress(long total) {
    bar = new ProgressBarBuilder().setTaskName("iro eval").setInitialMax(total).setUnit(" samples", 1)
        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).build();
  }

  /** The extra text after the bar: the task and seed at work. */
  void describe(String text) {
    bar.setExtraMessage(text);
  }

  /** Advances by {@code samples}. */
  void advance(long samples) {
    done += samples;
    bar.stepTo(done);
  }

  /**
   * A listener for an alignment of {@code samplesPerPrompt} samples per prompt, advancing this bar
   * as prompts are done; {@code then} gets every event too.
   */
  AlignmentListener alignment(int samplesPerPrompt, AlignmentListener then) {
    return new AlignmentListener() {
      private int promptsSeen;

      @Override
      public void onIterationStart(int iteration, int iterations, int prompts) {
        promptsSeen = 0;
        then.onIterationStart(iteration, iterations, prompts);
      }

      @Override
      public void onProgress(int iteration, int promptsDone, int prompts) {
        advance((long) (promptsDone - promptsSeen) * samplesPerPrompt);
        promptsSeen = promptsDone;
        then.onProgress(iteration, promptsDone, prompts);
      }

      @Override
      public void onIterationEnd(ai.iro.core.IterationMetrics metrics) {
        then.onIterationEnd(metrics);
      }
    };
  }

  @Override
  public void close() {
    bar.close();
  }
}
