package ai.iro.bench;

import ai.iro.core.model.Sampling;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.lm.internal.TokenSampler;
import ai.iro.onnx.runtime.ExecutionOptions;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-token sampling step alone: {@link TokenSampler#prepare} and {@link TokenSampler#draw} on
 * 64 rows of real next-token logits of the shipped model (its whole vocabulary, taken in set-up at
 * every position of a few prompts). Rows per second. The sampler is not API: it lives in
 * {@code ai.iro.onnx.lm.internal}, which the library's module descriptor exports to this module
 * alone (a qualified export), so this benchmark needs no class in the library's packages.
 *
 * <p>Settings: {@code defaults} is {@link Sampling#defaults()} (temperature 0.7, top-p 0.9, top-k
 * 50), {@code whole} is temperature 1 with no cut (softmax over the whole vocabulary), {@code
 * greedy} is the arg max.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class TokenSamplerBenchmark {
  private static final int ROWS = 64;

  @Param({"models/kjv-tiny"})
  public String model;

  @Param({"defaults", "whole", "greedy"})
  public String settings;

  private float[][] rows;
  private TokenSampler sampler;
  private SplittableRandom random;

  @Setup(Level.Trial)
  public void setUp() {
    Path dir = Path.of(System.getProperty("iro.model", model));
    List<float[]> collected = new ArrayList<>();
    try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(dir).execution(ExecutionOptions.cpu(1)).build()) {
      for (String prompt : List.of(
          "In the beginning God created the heaven and the earth. And the earth was without form, and void;"
              + " and darkness was upon the face of the deep.",
          "And God said, Let there be light: and there was light. And God saw the light, that it was good:"
              + " and God divided the light from the darkness.",
          "Blessed are they that mourn: for they shall be comforted. Blessed are the meek: for they shall"
              + " inherit the earth.")) {
        for (float[] row : lm.logits(lm.encodePrompt(prompt))) {
          collected.add(row);
        }
      }
      if (collected.size() < ROWS) {
        throw new IllegalStateException("only " + collected.size() + " logit rows from the prompts; need " + ROWS);
      }
      rows = collected.subList(0, ROWS).toArray(new float[0][]);
      Sampling s = switch (settings) {
        case "defaults" -> Sampling.defaults();
        case "whole" -> Sampling.builder().temperature(1).topK(0).topP(1).build();
        case "greedy" -> Sampling.greedy(Sampling.DEFAULT_MAX_NEW_TOKENS);
        default -> throw new IllegalArgumentException("settings must be defaults, whole or greedy, found " + settings);
      };
      sampler = new TokenSampler(s, lm.vocabularySize());
    }
    random = new SplittableRandom(7);
  }

  @Benchmark
  @OperationsPerInvocation(ROWS)
  public int prepareAndDraw() {
    int sum = 0;
    for (float[] row : rows) {
      sampler.prepare(row);
      sum += sampler.draw(random);
    }
    return sum;
  }
}
