package ai.iro.bench;

import ai.iro.core.resample.Resampler;
import ai.iro.core.resample.Resamplers;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Survivor selection alone: one call selects W = 4 survivors from W * K = 16 scored candidates,
 * the per-prompt work of one chunk of CBS. Throughput in calls per second; multiply by 16 for
 * candidate states per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ResamplerBenchmark {
  private static final int CANDIDATES = 16;
  private static final int SURVIVORS = 4;

  @Param({"top-w", "diversity-first", "multinomial(tau=1.0)", "systematic(tau=1.0)"})
  public String rule;

  private Resampler resampler;
  private double[] scores;
  private List<String> texts;
  private SplittableRandom random;

  @Setup(Level.Trial)
  public void setUp() {
    resampler = Resamplers.parse(rule);
    SplittableRandom seeded = new SplittableRandom(2024);
    scores = new double[CANDIDATES];
    texts = new ArrayList<>();
    for (int i = 0; i < CANDIDATES; i++) {
      scores[i] = seeded.nextGaussian();
      texts.add("candidate text number " + (i % 12));
    }
    random = new SplittableRandom(7);
  }

  @Benchmark
  public int[] select() {
    return resampler.select(scores, texts, SURVIVORS, random);
  }
}
