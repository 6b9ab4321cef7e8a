package ai.iro.examples.serve;

import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A base model that counts the {@link Decoding#extend(int)} calls finding a live row: the calls a
 * remote decoding must answer with exactly one request each.
 */
final class CountingModel implements BaseModel {
  private final BaseModel model;
  private final AtomicInteger liveExtends = new AtomicInteger();

  CountingModel(BaseModel model) {
    this.model = model;
  }

  /** Extend calls with at least one unfinished row so far. */
  int liveExtends() {
    return liveExtends.get();
  }

  @Override
  public Decoding open(List<String> prompts, Sampling sampling, long seed) {
    Decoding d = model.open(prompts, sampling, seed);
    return new Decoding() {
      @Override
      public int size() {
        return d.size();
      }

      @Override
      public void extend(int maxTokens) {
        if (!d.allFinished()) {
          liveExtends.incrementAndGet();
        }
        d.extend(maxTokens);
      }

      @Override
      public void reorder(int[] rows) {
        d.reorder(rows);
      }

      @Override
      public int promptIndex(int row) {
        return d.promptIndex(row);
      }

      @Override
      public String prompt(int row) {
        return d.prompt(row);
      }

      @Override
      public int[] responseTokens(int row) {
        return d.responseTokens(row);
      }

      @Override
      public int responseLength(int row) {
        return d.responseLength(row);
      }

      @Override
      public String responseText(int row) {
        return d.responseText(row);
      }

      @Override
      public boolean isFinished(int row) {
        return d.isFinished(row);
      }

      @Override
      public Optional<FinishReason> finishReason(int row) {
        return d.finishReason(row);
      }

      @Override
      public boolean allFinished() {
        return d.allFinished();
      }

      @Override
      public Optional<float[][]> features() {
        return d.features();
      }

      @Override
      public long tokensGenerated() {
        return d.tokensGenerated();
      }

      @Override
      public void close() {
        d.close();
      }
    };
  }

  @Override
  public String decode(int[] tokens) {
    return model.decode(tokens);
  }
}
