package ai.iro.onnx.value;

/**
 * The learning rate of each optimiser step: a linear warmup to the peak over the first
 * {@code warmupSteps}, then a cosine decay to 0 at {@code plannedSteps}.
 *
 * @param peak the rate at the end of the warmup
 * @param warmupSteps the steps of the warmup, at least 0
 * @param plannedSteps the steps of the whole run
 */
record LearningRateSchedule(double peak, long warmupSteps, long plannedSteps) {

  /** The schedule that warms up over {@code ceil(warmup * plannedSteps)} steps. */
  static LearningRateSchedule of(double peak, double warmup, long plannedSteps) {
    return new LearningRateSchedule(peak, (long) Math.ceil(warmup * plannedSteps), plannedSteps);
  }

  /** The rate of step {@code step}, counted from 0. */
  double at(long step) {
    if (step < warmupSteps) {
      return peak * (step + 1) / warmupSteps;
    }
    double progress = (double) (step - warmupSteps) / Math.max(1, plannedSteps - warmupSteps);
    return peak * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
  }
}
