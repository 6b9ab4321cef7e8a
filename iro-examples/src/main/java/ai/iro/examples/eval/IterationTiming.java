package ai.iro.examples.eval;

/**
 * Where one IRO iteration's time went. Immutable and thread safe.
 *
 * @param iteration the iteration, from 1
 * @param wallMillis the iteration's wall time (sampling, scoring, building examples, training)
 * @param trainingMillis the time spent training its value head
 * @param trainingShare {@code trainingMillis / wallMillis}
 * @param meanSampleReward the mean reward of the iteration's samples
 * @param examples the value examples (prefix states) the head was trained on
 */
public record IterationTiming(int iteration, long wallMillis, long trainingMillis, double trainingShare,
    double meanSampleReward, long examples) {}
