package ai.iro.bench;

import ai.iro.core.Aligner;
import ai.iro.core.data.Prompt;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.model.Sampling;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.Reweighting;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.TrainedValue;
import ai.iro.core.value.ValueExample;
import ai.iro.core.value.ValueStack;
import ai.iro.core.value.ValueTrainer;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.value.MlpValueTrainer;
import com.sun.management.GarbageCollectionNotificationInfo;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Peak heap and time of one alignment iteration as the number of prompts grows (issue #12): one
 * iteration of {@code Aligner.align} on the shipped model, Best-of-16 sampling ({@code
 * initialSamples} 16), {@link Reweighting#weighted(double) Reweighting.weighted(1.0)} so that all
 * 16 candidates of every prompt become value examples, MLP value heads (the trainer's defaults) on
 * the model's hidden state. The prompts are the model's 1,000 training prompts repeated in order
 * up to the asked number (the one iteration of a {@code FRESH_SLICES} run takes them all). The
 * reward counts positive words, as in {@link AlignMemoryProbe}.
 *
 * <p>It prints one line: the prompts, examples and prefix states; the wall time of the iteration,
 * of the value trainer's {@code train} call and, inside it, of the prefix-feature forward passes;
 * the peak heap, as the largest heap in use after any garbage collection during the iteration
 * (from GC notifications: the live data at its largest, sampled at each collection) and the peak
 * VmRSS sampled every 100 ms.
 *
 * <p>Run from the repository root: {@code java -Xmx4g -cp iro-bench/target/benchmarks.jar
 * ai.iro.bench.IterationScaleProbe [prompts] [maxNewTokens] [modelDirectory]}.
 */
public final class IterationScaleProbe {
  private static final Set<String> POSITIVE = Set.of("good", "love", "peace", "joy", "blessed", "glory", "mercy",
      "praise", "rejoice", "holy", "righteous", "light", "life", "grace");

  private IterationScaleProbe() {}

  public static void main(String[] args) throws IOException {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    int maxNewTokens = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    Path dir = BenchModels.modelDirectory(args.length > 2 ? args[2] : BenchModels.DEFAULT_MODEL);
    List<Prompt> train = PromptDataset.fromJsonl(dir.resolve("prompts-train.jsonl")).prompts();
    List<Prompt> repeated = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      repeated.add(train.get(i % train.size()));
    }
    PromptDataset prompts = PromptDataset.ofPrompts(repeated);
    RewardModel reward = RewardModel.of("positive-words-v1", (prompt, response) -> {
      double n = 0;
      for (String w : response.toLowerCase(Locale.ROOT).split("[^a-z]+")) {
        n += POSITIVE.contains(w) ? 1 : 0;
      }
      return n;
    });
    AtomicLong peakRssKb = new AtomicLong();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "rss-sampler");
      t.setDaemon(true);
      return t;
    });
    try (OnnxCausalLM lm = OnnxCausalLM.load(dir)) {
      TimedFeatures features = new TimedFeatures(lm.features());
      TimedTrainer trainer = new TimedTrainer(MlpValueTrainer.builder().features(features).build());
      System.gc();
      AtomicLong peakHeap = watchHeapAfterGc();
      sampler.scheduleAtFixedRate(() -> peakRssKb.accumulateAndGet(AlignMemoryProbe.rssKb(), Math::max), 0, 100,
          TimeUnit.MILLISECONDS);
      long start = System.nanoTime();
      Aligner.builder().baseModel(lm).reward(reward).valueTrainer(trainer)
          .searcher(Searcher.builder().sampling(Sampling.builder().maxNewTokens(maxNewTokens).build()).build())
          .reweighting(Reweighting.weighted(1.0))
          .iterations(1).seed(42)
          .build().align(prompts);
      double total = (System.nanoTime() - start) / 1e9;
      double trainS = trainer.nanos / 1e9;
      double featureS = features.nanos / 1e9;
      System.out.printf(Locale.ROOT, "prompts=%d max_new_tokens=%d examples=%d states=%d iteration_s=%.1f "
          + "train_s=%.1f features_s=%.1f fit_s=%.1f fit_share=%.3f peak_heap_after_gc_MiB=%.1f "
          + "peak_VmRSS_MiB=%.1f xmx_MiB=%.0f%n", count, maxNewTokens, trainer.examples, trainer.states, total,
          trainS, featureS, trainS - featureS, (trainS - featureS) / total, peakHeap.get() / 1048576.0,
          peakRssKb.get() / 1024.0, Runtime.getRuntime().maxMemory() / 1048576.0);
    } finally {
      sampler.shutdownNow();
    }
  }

  /** The largest heap in use after any garbage collection from now on, updated by GC notifications. */
  private static AtomicLong watchHeapAfterGc() {
    AtomicLong peak = new AtomicLong();
    Set<String> heapPools = Set.copyOf(ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP).map(p -> p.getName()).toList());
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      ((NotificationEmitter) gc).addNotificationListener((notification, handback) -> {
        if (!notification.getType().equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
          return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from(
            (CompositeData) notification.getUserData());
        long used = 0;
        for (var e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
          if (heapPools.contains(e.getKey())) {
            MemoryUsage u = e.getValue();
            used += u.getUsed();
          }
        }
        peak.accumulateAndGet(used, Math::max);
      }, null, null);
    }
    return peak;
  }

  /** A value trainer that times its delegate's {@code train} calls and counts their states. */
  private static final class TimedTrainer implements ValueTrainer {
    private final ValueTrainer delegate;
    long nanos;
    long examples;
    long states;

    TimedTrainer(ValueTrainer delegate) {
      this.delegate = delegate;
    }

    @Override
    public TrainedValue train(List<ValueExample> examples, long seed) {
      return train(examples, ValueStack.empty(), seed);
    }

    @Override
    public TrainedValue train(List<ValueExample> list, ValueStack previous, long seed) {
      examples += list.size();
      for (ValueExample e : list) {
        states += e.responseLength() + 1;
      }
      long start = System.nanoTime();
      try {
        return delegate.train(list, previous, seed);
      } finally {
        nanos += System.nanoTime() - start;
      }
    }

    @Override
    public Optional<String> describe() {
      return delegate.describe();
    }
  }

  /** A feature source that times its delegate's prefix-feature calls. */
  private static final class TimedFeatures implements FeatureSource {
    private final FeatureSource delegate;
    volatile long nanos;

    TimedFeatures(FeatureSource delegate) {
      this.delegate = delegate;
    }

    @Override
    public String id() {
      return delegate.id();
    }

    @Override
    public int dimension() {
      return delegate.dimension();
    }

    @Override
    public float[][] compute(StateBatch states) {
      return delegate.compute(states);
    }

    @Override
    public List<float[][]> prefixFeatures(List<ValueExample> examples) {
      long start = System.nanoTime();
      try {
        return delegate.prefixFeatures(examples);
      } finally {
        nanos += System.nanoTime() - start;
      }
    }
  }
}
