package ai.iro.examples.serve;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.lm.OnnxCausalLM;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches base-model decoding across concurrent requests. One thread takes the first waiting job and
 * collects more (up to a number of rows) until as many wait as the previous batch held, the clients
 * of a steady load coming back, or the window ends; whatever is already waiting then joins too. So
 * one client waits no window at all, and a straggler does not wait a whole decoding for the next
 * batch. The first batch waits the whole window. It groups the jobs by their
 * {@link Sampling} (rows of one decoding share it), and decodes each group as one batch on token-id
 * prompts ({@link OnnxCausalLM#openTokens}), each prompt prefilled once and forked into its job's
 * {@code n} rows. Every row keeps the stream seed its request gave it
 * ({@link Decoding#extend(int, long[])}), so a request's answer is the same whether it shared a batch
 * or ran alone. A group that fails is retried job by
 * job, so one bad request cannot fail the others.
 */
final class DecodeBatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DecodeBatcher.class);

  /** Reads a job's rows while they are decoded, on the batching thread; must only read. */
  interface Watcher {
    /** The job's row {@code i} is row {@code offset + i} of {@code d}. */
    void step(Decoding d, int offset);
  }

  /** One decoded row: its text, its token ids (as {@link Decoding#responseTokens}) and why it ended. */
  record Row(String text, int[] tokenIds, Optional<FinishReason> finish) {}

  /**
   * A request's rows: its prompts as the token ids fed to the model, {@code n} rows per prompt (row
   * {@code k} is prompt {@code k / n}), one stream seed per row, their sampling, and an optional watcher.
   */
  record Job(List<int[]> prompts, int n, Sampling sampling, long[] streamSeeds, Optional<Watcher> watcher,
      CompletableFuture<List<Row>> done) {
    Job(List<int[]> prompts, int n, Sampling sampling, long[] streamSeeds, Optional<Watcher> watcher) {
      this(List.copyOf(prompts), n, sampling, streamSeeds.clone(), watcher, new CompletableFuture<>());
      if (streamSeeds.length != rows()) {
        throw new IllegalArgumentException("a job of " + prompts.size() + " prompts and n " + n + " has "
            + rows() + " rows, found " + streamSeeds.length + " stream seeds");
      }
    }

    /** The number of rows: {@code n} per prompt. */
    int rows() {
      return prompts.size() * n;
    }
  }

  private final OnnxCausalLM model;
  private final long windowNanos;
  private final int maxRows;
  private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final AtomicInteger batches = new AtomicInteger();
  private final AtomicInteger largestBatch = new AtomicInteger();
  private volatile boolean closed;
  private int lastBatchJobs = Integer.MAX_VALUE;

  DecodeBatcher(OnnxCausalLM model, Duration window, int maxRows) {
    this.model = model;
    this.windowNanos = window.toNanos();
    this.maxRows = maxRows;
    this.thread = new Thread(this::loop, "iro-serve-batcher");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues a job; its future completes with its rows, in order. */
  CompletableFuture<List<Row>> submit(Job job) {
    if (closed) {
      throw new IllegalStateException("the server is shutting down");
    }
    queue.add(job);
    return job.done();
  }

  /** The number of batched decodings run so far. */
  int batches() {
    return batches.get();
  }

  /** The most requests one batched decoding has held. */
  int largestBatch() {
    return largestBatch.get();
  }

  /** Stops the batching thread; jobs still waiting fail. Idempotent. */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Job j = queue.poll(); j != null; j = queue.poll()) {
      j.done().completeExceptionally(new IllegalStateException("the server shut down"));
    }
  }

  private void loop() {
    List<Job> batch = new ArrayList<>();
    while (!closed) {
      try {
        Job first = queue.take();
        batch.add(first);
        int rows = first.rows();
        long deadline = System.nanoTime() + windowNanos;
        while (rows < maxRows) {
          long left = batch.size() < lastBatchJobs ? deadline - System.nanoTime() : 0;
          Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
          if (next == null) {
            break;
          }
          batch.add(next);
          rows += next.rows();
        }
      } catch (InterruptedException e) {
        batch.forEach(j -> j.done().completeExceptionally(new IllegalStateException("the server shut down")));
        return;
      }
      lastBatchJobs = batch.size();
      run(batch);
      batch.clear();
    }
  }

  private void run(List<Job> batch) {
    Map<Sampling, List<Job>> groups = new LinkedHashMap<>();
    for (Job j : batch) {
      groups.computeIfAbsent(j.sampling(), s -> new ArrayList<>()).add(j);
    }
    for (List<Job> group : groups.values()) {
      try {
        decode(group);
      } catch (RuntimeException e) {
        if (group.size() == 1) {
          group.get(0).done().completeExceptionally(e);
          continue;
        }
        LOG.debug("a batch of {} requests failed ({}); decoding them one by one", group.size(), e.toString());
        for (Job j : group) {
          try {
            decode(List.of(j));
          } catch (RuntimeException alone) {
            j.done().completeExceptionally(alone);
          }
        }
      }
    }
  }

  private void decode(List<Job> group) {
    Sampling sampling = group.get(0).sampling();
    List<int[]> prompts = new ArrayList<>();
    int rows = 0;
    for (Job j : group) {
      prompts.addAll(j.prompts());
      rows += j.rows();
    }
    // Row k of a job forks its prompt k / n; its seed is the job's k-th, as when the job runs alone.
    int[] forks = new int[rows];
    long[] seeds = new long[rows];
    int prompt = 0;
    int row = 0;
    for (Job j : group) {
      for (int k = 0; k < j.rows(); k++) {
        forks[row + k] = prompt + k / j.n();
      }
      System.arraycopy(j.streamSeeds(), 0, seeds, row, j.rows());
      prompt += j.prompts().size();
      row += j.rows();
    }
    batches.incrementAndGet();
    largestBatch.accumulateAndGet(group.size(), Math::max);
    // The batch seed is never drawn from: every row samples from its request's stream seed.
    try (Decoding d = model.openTokens(prompts, sampling, 0L)) {
      d.reorder(forks);
      d.extend(sampling.maxNewTokens(), seeds, () -> watch(group, d));
      int offset = 0;
      for (Job j : group) {
        List<Row> out = new ArrayList<>(j.rows());
        for (int r = offset; r < offset + j.rows(); r++) {
          out.add(new Row(d.responseText(r), d.responseTokens(r), d.finishReason(r)));
        }
        offset += j.rows();
        j.done().complete(out);
      }
    }
  }

  private static void watch(List<Job> group, Decoding d) {
    int offset = 0;
    for (Job j : group) {
      if (j.watcher().isPresent()) {
        j.watcher().get().step(d, offset);
      }
      offset += j.rows();
    }
  }
}
