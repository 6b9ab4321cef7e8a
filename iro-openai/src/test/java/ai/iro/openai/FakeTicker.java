package ai.iro.openai;

import ai.iro.openai.internal.HttpTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A virtual clock for retry tests: sleeping advances it at once and records the wait. */
final class FakeTicker implements HttpTransport.Ticker {
  private long now;
  private final List<Duration> sleeps = new ArrayList<>();

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void sleep(Duration duration) {
    sleeps.add(duration);
    now += duration.toNanos();
  }

  synchronized List<Duration> sleeps() {
    return List.copyOf(sleeps);
  }
}
