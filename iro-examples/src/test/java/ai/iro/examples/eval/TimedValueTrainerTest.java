package ai.iro.examples.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueExample;
import ai.iro.core.value.ValueStack;
import ai.iro.core.value.ValueTrainer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TimedValueTrainerTest {
  /** A fake clock in nanoseconds. */
  private final AtomicLong clock = new AtomicLong(1_000);

  /** A trainer that records its calls, takes 7 ms per call on the fake clock and describes itself. */
  private final class Recording implements ValueTrainer {
    final List<Long> seeds = new ArrayList<>();
    final TrainedValue result = new TrainedValue(states -> new double[states.size()], 0.25);

    @Override
    public TrainedValue train(List<ValueExample> examples, long seed) {
      seeds.add(seed);
      clock.addAndGet(7_000_000L * seeds.size());
      return result;
    }

    @Override
    public Optional<String> describe() {
      return Optional.of("recording{lr=0.1}");
    }
  }

  @Test
  void delegatesTrainingAndDescriptionAndTimesEachCall() {
    Recording inner = new Recording();
    TimedValueTrainer timed = new TimedValueTrainer(inner, clock::get);
    assertThat(timed.describe()).contains("recording{lr=0.1}");
    assertThat(timed.train(List.of(), 5)).isSameAs(inner.result);
    clock.addAndGet(50_000_000L);   // time between calls is not training
    assertThat(timed.train(List.of(), 6)).isSameAs(inner.result);
    assertThat(inner.seeds).containsExactly(5L, 6L);
    assertThat(timed.trainingTimes()).containsExactly(Duration.ofMillis(7), Duration.ofMillis(14));
  }

  @Test
  void timesACallThatThrows() {
    TimedValueTrainer timed = new TimedValueTrainer((examples, seed) -> {
      clock.addAndGet(3_000_000L);
      throw new IllegalStateException("no examples");
    }, clock::get);
    assertThatThrownBy(() -> timed.train(List.of(), 1)).hasMessage("no examples");
    assertThat(timed.trainingTimes()).containsExactly(Duration.ofMillis(3));
  }

  @Test
  void passesTheEarlierStackToTheWrappedTrainerAndTimesThatCallToo() {
    List<ValueStack> seen = new ArrayList<>();
    ValueTrainer warm = new ValueTrainer() {
      @Override
      public TrainedValue train(List<ValueExample> examples, long seed) {
        throw new AssertionError("the stack must reach the wrapped trainer");
      }

      @Override
      public TrainedValue train(List<ValueExample> examples, ValueStack previous, long seed) {
        seen.add(previous);
        clock.addAndGet(2_000_000L);
        return new TrainedValue(states -> new double[states.size()], 0.5);
      }
    };
    ValueStack stack = ValueStack.empty().with(states -> new double[states.size()], 1.0);
    new TimedValueTrainer(warm, clock::get).train(List.of(), stack, 3);
    TimedValueTrainer timed = new TimedValueTrainer(warm, clock::get);
    timed.train(List.of(), stack, 4);
    assertThat(seen).containsExactly(stack, stack);
    assertThat(timed.trainingTimes()).containsExactly(Duration.ofMillis(2));
  }
}
