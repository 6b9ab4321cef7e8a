package ai.iro.bench;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Decode throughput at real size: the library's greedy decoding against the bare ONNX Runtime loop
 * ({@link BareOrtDecoder}) on a GPT-2-small-shaped model (made by
 * {@code iro-bench/scripts/make_gpt2_small.py}), at batch 1 and 8, alternating the two sides in one
 * JVM, and both against the memory-bandwidth roofline ({@link Roofline}) of this machine, whose
 * copy bandwidth ({@link CopyBandwidth}) is measured in the same run, before and after the decoding.
 *
 * <p>Each call decodes {@code newTokens} tokens for {@code batch} equal prompts, prefill included
 * (the prefill pass yields the first token, so a call is {@code newTokens} forward passes), with
 * end-of-sequence stopping off. Set-up checks that both sides produce the same tokens. Per batch:
 * one warm-up call each, then {@code repetitions} calls each, alternating which side goes first;
 * the figures are medians. Weight bytes per token are the bytes of the model's ONNX file(s).
 *
 * <p>Run from the repository root after {@code make_gpt2_small.py}: {@code java -Xmx2g -cp
 * iro-bench/target/benchmarks.jar ai.iro.bench.RealSizeDecodeProbe [modelDirectory] [threads]
 * [newTokens] [repetitions]} (defaults {@code iro-bench/target/gpt2-small 2 64 5}).
 */
public final class RealSizeDecodeProbe {
  /** The default model directory, as written by the script's default. */
  public static final String DEFAULT_MODEL = "iro-bench/target/gpt2-small";
  private static final long COPY_BYTES = 256L << 20;
  private static final int COPY_REPETITIONS = 10;

  private RealSizeDecodeProbe() {}

  /** Runs the probe; see the class comment for the arguments. */
  public static void main(String[] args) throws OrtException {
    String model = args.length > 0 ? args[0] : DEFAULT_MODEL;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    int newTokens = args.length > 2 ? Integer.parseInt(args[2]) : 64;
    int repetitions = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    double[] bandwidth = {0, 0};
    measureBandwidth(threads, bandwidth, "before");
    try (OnnxCausalLM lm = BenchModels.load(model, threads); BareOrtDecoder bare = BareOrtDecoder.open(lm, threads)) {
      long weightBytes = weightBytes(lm.modelFile());
      System.out.printf(Locale.ROOT, "model %s: %d layers, vocabulary %d, weights %d bytes (%.1f MB); threads %d, "
          + "%d new tokens, %d repetitions; VmRSS after loading both sessions %.0f MiB%n", model, lm.layers(),
          lm.vocabularySize(), weightBytes, weightBytes / 1e6, threads, newTokens, repetitions,
          ProcessMemory.residentKb() / 1024.0);
      double[] libraryPerBatch = new double[2];
      int[] batches = {1, 8};
      for (int i = 0; i < batches.length; i++) {
        libraryPerBatch[i] = decode(lm, bare, batches[i], newTokens, repetitions);
      }
      measureBandwidth(threads, bandwidth, "after");
      double best = Math.max(bandwidth[0], bandwidth[1]);
      Roofline roofline = new Roofline(weightBytes, best);
      System.out.printf(Locale.ROOT, "copy bandwidth (best of before and after): 1 thread %.2f GB/s, %d threads "
          + "%.2f GB/s; roofline = %.2f GB/s / %.1f MB = %.2f tokens/s per row%n", bandwidth[0] / 1e9, threads,
          bandwidth[1] / 1e9, best / 1e9, weightBytes / 1e6, roofline.tokensPerSecond());
      System.out.printf(Locale.ROOT, "batch 1: library %.2f tokens/s = %.3f of the roofline%n", libraryPerBatch[0],
          roofline.fraction(libraryPerBatch[0]));
      System.out.printf(Locale.ROOT, "batch 8: library %.2f tokens/s = %.3f of 8 rows sharing one weight read "
          + "(%.2f tokens/s)%n", libraryPerBatch[1], roofline.fraction(libraryPerBatch[1] / 8),
          8 * roofline.tokensPerSecond());
    }
  }

  private static void measureBandwidth(int threads, double[] best, String when) {
    double one = CopyBandwidth.measure(1, COPY_BYTES, COPY_REPETITIONS);
    double many = CopyBandwidth.measure(threads, COPY_BYTES, COPY_REPETITIONS);
    best[0] = Math.max(best[0], one);
    best[1] = Math.max(best[1], many);
    System.out.printf(Locale.ROOT, "copy bandwidth %s: 1 thread %.2f GB/s, %d threads %.2f GB/s (2 x %d MiB "
        + "double[], best of %d)%n", when, one / 1e9, threads, many / 1e9, COPY_BYTES >> 20, COPY_REPETITIONS);
  }

  /** Returns the library's median tokens/s at this batch after printing both sides. */
  private static double decode(OnnxCausalLM lm, BareOrtDecoder bare, int batch, int newTokens, int repetitions)
      throws OrtException {
    List<String> prompts = BenchModels.samePrompt(batch);
    int[] promptTokens = lm.encodePrompt(prompts.get(0));
    Sampling greedy = Sampling.greedy(newTokens);
    int[][] bareTokens = bare.decode(promptTokens, batch, newTokens);
    try (Decoding d = lm.open(prompts, greedy, 42L)) {
      d.extend(newTokens);
      for (int r = 0; r < batch; r++) {
        if (!Arrays.equals(d.responseTokens(r), bareTokens[r])) {
          throw new IllegalStateException("batch " + batch + ", row " + r + ": library tokens "
              + Arrays.toString(d.responseTokens(r)) + " differ from the bare loop's " + Arrays.toString(bareTokens[r]));
        }
      }
    }
    double[] library = new double[repetitions];
    double[] bareMs = new double[repetitions];
    double[] ratios = new double[repetitions];
    for (int rep = 0; rep < repetitions; rep++) {
      if (rep % 2 == 0) {
        library[rep] = libraryMs(lm, prompts, greedy, newTokens);
        bareMs[rep] = bareMs(bare, promptTokens, batch, newTokens);
      } else {
        bareMs[rep] = bareMs(bare, promptTokens, batch, newTokens);
        library[rep] = libraryMs(lm, prompts, greedy, newTokens);
      }
      ratios[rep] = bareMs[rep] / library[rep];
      System.out.printf(Locale.ROOT, "batch %d rep %d: library %.1f ms, bare %.1f ms, library/bare tokens/s %.3f%n",
          batch, rep, library[rep], bareMs[rep], ratios[rep]);
    }
    double libraryMedian = median(library);
    double bareMedian = median(bareMs);
    double tokens = (double) batch * newTokens;
    System.out.printf(Locale.ROOT, "batch %d (prompt %d tokens, tokens identical): library %.1f ms = %.2f tokens/s, "
        + "bare %.1f ms = %.2f tokens/s; ratio of medians %.3f, median of per-repetition ratios %.3f%n", batch,
        promptTokens.length, libraryMedian, tokens * 1000 / libraryMedian, bareMedian, tokens * 1000 / bareMedian,
        bareMedian / libraryMedian, median(ratios));
    return tokens * 1000 / libraryMedian;
  }

  private static double libraryMs(OnnxCausalLM lm, List<String> prompts, Sampling greedy, int newTokens) {
    long start = System.nanoTime();
    try (Decoding d = lm.open(prompts, greedy, 42L)) {
      d.extend(newTokens);
      if (d.responseLength(prompts.size() - 1) != newTokens) {
        throw new IllegalStateException("library stopped after " + d.responseLength(prompts.size() - 1) + " tokens");
      }
    }
    return (System.nanoTime() - start) / 1e6;
  }

  private static double bareMs(BareOrtDecoder bare, int[] prompt, int batch, int newTokens) throws OrtException {
    long start = System.nanoTime();
    bare.decode(prompt, batch, newTokens);
    return (System.nanoTime() - start) / 1e6;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The bytes of the model's graph and of its external data file, if it has one. */
  static long weightBytes(Path modelFile) {
    try {
      long bytes = Files.size(modelFile);
      Path data = modelFile.resolveSibling(modelFile.getFileName() + "_data");
      return Files.exists(data) ? bytes + Files.size(data) : bytes;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the size of " + modelFile, e);
    }
  }
}
