package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Reports (never asserts) the wall time of training a head on 100,000 states of 256 features with
 * the default settings. Off by default; run with
 * {@code mvn -pl iro-onnx test -Dtest=TrainingTimeReport -Diro.value.timing=true}. The JMH benchmark
 * in iro-bench is the measurement of record.
 */
@EnabledIfSystemProperty(named = "iro.value.timing", matches = "true")
class TrainingTimeReport {

  @Test
  void trainOnOneHundredThousandStates() {
    int n = Integer.getInteger("iro.value.timing.rows", 100_000);
    int d = Integer.getInteger("iro.value.timing.dimension", 256);
    int batch = Integer.getInteger("iro.value.timing.batch", MlpTrainerConfig.DEFAULT_BATCH_SIZE);
    Synthetic data = Synthetic.linear(n, d, 0.1, 1, 2);
    Synthetic test = Synthetic.linear(10_000, d, 0.1, 1, 3);
    MlpValueTrainer trainer = MlpValueTrainer.builder().features(new CountingFeatures("timing", d))
        .batchSize(batch).build();

    trainer.toBuilder().epochs(1).build().fit(data.x, data.y, 0).head().close(); // warm-up
    long start = System.nanoTime();
    MlpValueTrainer.FitResult fit = trainer.fit(data.x, data.y, 1);
    double seconds = (System.nanoTime() - start) / 1e9;

    System.out.printf("value head training: %d states x %d features, hidden %s, batch %d, %d epochs "
            + "(best %d), %d steps: %.2f s; training MSE %.4f, held-out R^2 %.4f, %d cores%n",
        n, d, trainer.config().hiddenSizes(), batch, fit.epochs(), fit.bestEpoch(), fit.steps(), seconds, fit.loss(),
        Synthetic.rSquared(fit.head().values(test.x), test.y), Runtime.getRuntime().availableProcessors());
    for (int rows : new int[] {16, 256}) {
      float[][] batchRows = java.util.Arrays.copyOf(test.x, rows);
      for (int i = 0; i < 200; i++) {
        fit.head().values(batchRows);
      }
      int calls = 2000;
      long t0 = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        fit.head().values(batchRows);
      }
      System.out.printf("value head inference: %d states x %d features: %.1f us per call%n", rows, d,
          (System.nanoTime() - t0) / 1e3 / calls);
    }
    assertThat(fit.loss()).isFinite();
  }
}
