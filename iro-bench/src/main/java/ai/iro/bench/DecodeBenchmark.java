package ai.iro.bench;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.onnxruntime.OrtException;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Greedy decode of {@code newTokens} tokens for a batch of {@code batch} equal prompts, prefill
 * included: {@link OnnxCausalLM} against a bare ONNX Runtime loop ({@link BareOrtDecoder}) on a
 * session with the same options (same {@link OrtRuntime#open} configuration: opt level ALL, the
 * same intra-op threads). Time per call; new tokens/s = batch * newTokens / time.
 *
 * <p>{@code librarySampled} is {@code library} with {@link Sampling#defaults()} (temperature 0.7,
 * top-p 0.9, top-k 50, seeded) instead of greedy: the same number of tokens, so its time over
 * {@code library}'s is the cost of sampling in the decode loop.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
@State(Scope.Thread)
public class DecodeBenchmark {

  @Param({BenchModels.DEFAULT_MODEL})
  public String model;

  @Param({"1", "4", "16"})
  public int batch;

  @Param({"64"})
  public int newTokens;

  @Param({"2"})
  public int threads;

  private OnnxCausalLM lm;
  private BareOrtDecoder bare;
  private List<String> prompts;
  private int[] promptTokens;
  private Sampling sampling;
  private Sampling sampled;

  @Setup(Level.Trial)
  public void setUp() throws OrtException {
    lm = BenchModels.load(model, threads);
    bare = BareOrtDecoder.open(lm, threads);
    prompts = BenchModels.samePrompt(batch);
    promptTokens = lm.encodePrompt(prompts.get(0));
    sampling = Sampling.greedy(newTokens);
    sampled = Sampling.defaults().toBuilder().maxNewTokens(newTokens).build();
    checkSameWork();
  }

  /** Both sides must generate batch * newTokens tokens, or the comparison is void. */
  private void checkSameWork() throws OrtException {
    int[][] bareTokens = bare.decode(promptTokens, batch, newTokens);
    try (Decoding d = lm.open(prompts, sampling, 42L)) {
      d.extend(newTokens);
      int[] lib = d.responseTokens(0);
      if (d.responseLength(0) != newTokens) {
        throw new IllegalStateException("library stopped after " + d.responseLength(0) + " of " + newTokens
            + " tokens (end of sequence); choose another prompt");
      }
      try (Decoding ds = lm.open(prompts, sampled, 42L)) {
        ds.extend(newTokens);
        if (ds.responseLength(batch - 1) != newTokens) {
          throw new IllegalStateException("sampled decoding stopped after " + ds.responseLength(batch - 1) + " of "
              + newTokens + " tokens");
        }
      }
      boolean same = java.util.Arrays.equals(lib, bareTokens[0]);
      System.out.println("[decode] prompt tokens=" + promptTokens.length + ", library and bare greedy tokens "
          + (same ? "identical" : "DIFFER"));
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    bare.close();
    lm.close();
  }

  @Benchmark
  public int library() {
    try (Decoding d = lm.open(prompts, sampling, 42L)) {
      d.extend(newTokens);
      return d.responseLength(batch - 1);
    }
  }

  @Benchmark
  public int librarySampled() {
    try (Decoding d = lm.open(prompts, sampled, 42L)) {
      d.extend(newTokens);
      return d.responseLength(batch - 1);
    }
  }

  @Benchmark
  public int[][] bare() throws OrtException {
    return bare.decode(promptTokens, batch, newTokens);
  }
}
