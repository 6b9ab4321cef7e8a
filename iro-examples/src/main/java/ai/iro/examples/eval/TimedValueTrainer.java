package ai.iro.examples.eval;

import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueExample;
import ai.iro.core.value.ValueStack;
import ai.iro.core.value.ValueTrainer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A {@link ValueTrainer} that times each {@link #train} call of the trainer it wraps and otherwise
 * behaves exactly as it does ({@link #describe()} included). Not thread safe: one alignment at a time.
 */
public final class TimedValueTrainer implements ValueTrainer {
  private final ValueTrainer delegate;
  private final LongSupplier nanoTime;
  private final List<Duration> times = new ArrayList<>();

  /** Wraps a trainer. */
  public TimedValueTrainer(ValueTrainer delegate) {
    this(delegate, System::nanoTime);
  }

  /** Wraps a trainer, timing it with a clock of nanoseconds (tests pass a fake one). */
  TimedValueTrainer(ValueTrainer delegate, LongSupplier nanoTime) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  @Override
  public TrainedValue train(List<ValueExample> examples, long seed) {
    return timed(() -> delegate.train(examples, seed));
  }

  @Override
  public TrainedValue train(List<ValueExample> examples, ValueStack previous, long seed) {
    return timed(() -> delegate.train(examples, previous, seed));
  }

  private TrainedValue timed(Supplier<TrainedValue> training) {
    long start = nanoTime.getAsLong();
    try {
      return training.get();
    } finally {
      times.add(Duration.ofNanos(nanoTime.getAsLong() - start));
    }
  }

  @Override
  public Optional<String> describe() {
    return delegate.describe();
  }

  /** The wall time of each {@link #train} call so far, in order. */
  public List<Duration> trainingTimes() {
    return List.copyOf(times);
  }

  @Override
  public String toString() {
    return "Timed{" + delegate + "}";
  }
}
