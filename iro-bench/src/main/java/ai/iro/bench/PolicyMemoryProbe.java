package ai.iro.bench;

import ai.iro.core.AlignedPolicy;
import ai.iro.examples.ValueHeads;
import ai.iro.examples.cli.IroCommand;
import ai.iro.onnx.lm.OnnxCausalLM;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.Pointer;

/**
 * What one more aligned policy costs {@code iro serve}: aligns one policy of the shipped model
 * ({@code iro align}, 3 iterations, so 3 value heads), then loads it {@code copies} times over one
 * loaded model, as {@code --policy a=DIR --policy b=DIR ...} does, keeping every copy. After each
 * load it prints the Java heap after {@code System.gc()}, the off-heap bytes JavaCPP holds for ND4J
 * (where the heads' weights live) and the resident set (VmRSS), and at the end the mean growth per
 * policy next to the size of the model's ONNX file, which no policy copies.
 *
 * <p>Run from the repository root: {@code java -Xmx256m -cp iro-bench/target/benchmarks.jar
 * ai.iro.bench.PolicyMemoryProbe [copies] [modelDirectory]}.
 */
public final class PolicyMemoryProbe {
  private PolicyMemoryProbe() {}

  public static void main(String[] args) throws IOException {
    int copies = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    Path model = BenchModels.modelDirectory(args.length > 1 ? args[1] : BenchModels.DEFAULT_MODEL);
    Path work = Files.createTempDirectory("iro-policy-memory-");
    Path prompts = work.resolve("prompts.jsonl");
    Files.write(prompts, BenchModels.PROMPTS.stream().map(p -> "{\"prompt\": \"" + p + "\"}").toList());
    Path policyDir = work.resolve("policy");
    StringWriter err = new StringWriter();
    int code = IroCommand.run(new PrintWriter(new StringWriter()), new PrintWriter(err, true), "align", "--model",
        model.toString(), "--prompts", prompts.toString(), "--reward", "afinn", "--iterations", "3", "--out",
        policyDir.toString(), "-W", "2", "-K", "2", "-L", "4", "--samples", "4", "--max-new-tokens", "8", "--seed", "1");
    if (code != 0) {
      throw new IllegalStateException("iro align failed: " + err);
    }
    try (OnnxCausalLM lm = OnnxCausalLM.load(model)) {
      List<AlignedPolicy> loaded = new ArrayList<>();
      System.out.println("policies  heap MiB  javacpp MiB  rss MiB");
      double[] first = print(0);
      double[] last = first;
      for (int i = 1; i <= copies; i++) {
        loaded.add(AlignedPolicy.load(policyDir, lm, ValueHeads.loaders(lm)));
        last = print(i);
      }
      System.out.printf(Locale.ROOT, "per policy (%d heads): heap %.1f KiB, javacpp %.1f KiB, rss %.1f KiB; "
          + "model.onnx %.1f KiB; %d policies held%n", loaded.get(0).values().size(),
          (last[0] - first[0]) * 1024 / copies, (last[1] - first[1]) * 1024 / copies,
          (last[2] - first[2]) * 1024 / copies, Files.size(model.resolve("model.onnx")) / 1024.0, loaded.size());
    }
  }

  private static double[] print(int policies) throws IOException {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    double heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1048576.0;
    double javacpp = Pointer.totalBytes() / 1048576.0;
    double rss = 0;
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        rss = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    System.out.printf(Locale.ROOT, "%8d  %8.2f  %11.2f  %7.1f%n", policies, heap, javacpp, rss);
    return new double[] {heap, javacpp, rss};
  }
}
