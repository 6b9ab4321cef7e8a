package ai.iro.onnx.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.runtime.Device;
import ai.iro.onnx.runtime.OnnxSession;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a decoding uses its KV cache: native gathers, lazy and skipped for identities; finished rows leave. */
class DecodingMechanicsTest {
  private static OnnxCausalLM lm;

  @BeforeAll
  static void load(@TempDir Path tmp) {
    lm = OnnxCausalLM.load(ShippedModel.withoutEndOfSequence(tmp));
  }

  @AfterAll
  static void close() {
    lm.close();
  }

  @Test
  void gatherGraphGathersRowsWithRepeats() throws OrtException {
    int tensors = 3;
    long[] shape = {3, 2, 4, 5};
    int block = 2 * 4 * 5;
    try (OnnxSession gather = OrtRuntime.open(GatherGraph.build(tensors), "test gather", Device.cpu(), 1)) {
      Map<String, OnnxTensorLike> feed = new HashMap<>();
      float[][] data = new float[tensors][3 * block];
      for (int t = 0; t < tensors; t++) {
        for (int i = 0; i < data[t].length; i++) {
          data[t][i] = t * 1000 + i;
        }
        feed.put(GatherGraph.input(t), OnnxTensor.createTensor(OrtRuntime.environment(), FloatBuffer.wrap(data[t]), shape));
      }
      long[] index = {2, 0, 2, 2, 1};
      feed.put(GatherGraph.INDEX, OnnxTensor.createTensor(OrtRuntime.environment(), LongBuffer.wrap(index), new long[] {5}));
      try (OrtSession.Result r = gather.session().run(feed)) {
        for (int t = 0; t < tensors; t++) {
          OnnxTensor y = (OnnxTensor) r.get(GatherGraph.output(t)).orElseThrow();
          assertThat(y.getInfo().getShape()).containsExactly(5, 2, 4, 5);
          FloatBuffer out = y.getFloatBuffer();
          for (int i = 0; i < index.length; i++) {
            for (int j = 0; j < block; j++) {
              assertThat(out.get(i * block + j)).isEqualTo(data[t][(int) index[i] * block + j]);
            }
          }
        }
      } finally {
        feed.values().forEach(v -> ((OnnxTensor) v).close());
      }
    }
  }

  @Test
  void trimmingGatherGraphGathersRowsAndDropsLeadingPositions() throws OrtException {
    int tensors = 2;
    int heads = 2;
    int past = 5;
    int size = 3;
    long drop = 2;
    long[] index = {2, 0, 2};
    try (OnnxSession trim = OrtRuntime.open(GatherGraph.buildTrimming(tensors, false), "test trim", Device.cpu(), 1)) {
      Map<String, OnnxTensorLike> feed = new HashMap<>();
      float[][] data = new float[tensors][3 * heads * past * size];
      for (int t = 0; t < tensors; t++) {
        for (int i = 0; i < data[t].length; i++) {
          data[t][i] = t * 1000 + i;
        }
        feed.put(GatherGraph.input(t), OnnxTensor.createTensor(OrtRuntime.environment(), FloatBuffer.wrap(data[t]),
            new long[] {3, heads, past, size}));
      }
      feed.put(GatherGraph.INDEX, OnnxTensor.createTensor(OrtRuntime.environment(), LongBuffer.wrap(index),
          new long[] {index.length}));
      feed.put(GatherGraph.START, OnnxTensor.createTensor(OrtRuntime.environment(), new long[] {drop}));
      try (OrtSession.Result r = trim.session().run(feed)) {
        int kept = (int) (past - drop);
        for (int t = 0; t < tensors; t++) {
          OnnxTensor y = (OnnxTensor) r.get(GatherGraph.output(t)).orElseThrow();
          assertThat(y.getInfo().getShape()).containsExactly(index.length, heads, kept, size);
          FloatBuffer out = y.getFloatBuffer();
          int k = 0;
          for (int i = 0; i < index.length; i++) {
            for (int h = 0; h < heads; h++) {
              for (int p = 0; p < kept; p++) {
                for (int d = 0; d < size; d++) {
                  long from = ((index[i] * heads + h) * past + p + drop) * size + d;
                  assertThat(out.get(k++)).as("y%s[%s][%s][%s][%s]", t, i, h, p, d).isEqualTo(data[t][(int) from]);
                }
              }
            }
          }
        }
      } finally {
        feed.values().forEach(v -> ((OnnxTensor) v).close());
      }
    }
  }

  private static OnnxDecoding open(List<String> prompts, int tokens) {
    return (OnnxDecoding) lm.open(prompts, Sampling.greedy(tokens), 1);
  }

  @Test
  void identityReordersAreFreeAndOtherReordersGatherOnceLazily() {
    try (OnnxDecoding d = open(List.of("And God said", "Blessed"), 20)) {
      d.extend(3);
      d.reorder(new int[] {0, 1});
      d.extend(3);
      assertThat(d.cacheGathers()).as("identity reorder").isZero();
      d.reorder(new int[] {1, 0, 0, 1});
      d.reorder(new int[] {3, 2, 1, 0});
      assertThat(d.cacheGathers()).as("reorders only remap rows").isZero();
      d.extend(3);
      assertThat(d.cacheGathers()).as("two reorders, one gather at the next step").isEqualTo(1);
      assertThat(d.cacheSlots()).isEqualTo(4);
      d.extend(3);
      assertThat(d.cacheGathers()).isEqualTo(1);
    }
  }

  @Test
  void finishedRowsLeaveTheBatchOnceTheyAreMoreThanAQuarter() {
    int eos = 2047;
    try (OnnxCausalLM withEos = OnnxCausalLM.load(ShippedModel.directory())) {
      try (OnnxDecoding d = (OnnxDecoding) withEos.open(List.of("And God said"), Sampling.greedy(30), 1)) {
        d.reorder(new int[8]);
        d.extend(2);
        int[] reference = d.responseTokens(7);
        Consumer<int[]> forceGreedyExcept = ended -> {
          int[] tokens = new int[8];
          for (int r = 0; r < 8; r++) {
            tokens[r] = d.candidates(1).orElseThrow()[r].size() == 0 ? 0 : d.candidates(1).orElseThrow()[r].token(0);
          }
          for (int r : ended) {
            tokens[r] = eos;
          }
          d.force(tokens);
        };
        forceGreedyExcept.accept(new int[] {3});
        assertThat(d.cacheSlots()).as("1 of 8 finished: its slot is kept").isEqualTo(8);
        d.extend(3);
        assertThat(d.cacheSlots()).isEqualTo(8);
        forceGreedyExcept.accept(new int[] {0, 5});
        assertThat(d.cacheSlots()).as("3 of 8 finished: compacted to the live rows").isEqualTo(5);
        d.extend(30);
        int[] expected = Reference.greedy(withEos, "And God said", 30);
        for (int r : new int[] {1, 2, 4, 6, 7}) {
          assertThat(d.responseTokens(r)).as("row %s", r).containsExactly(expected);
        }
        assertThat(d.responseTokens(3)).containsExactly(java.util.Arrays.copyOf(expected, 2));
        assertThat(reference).containsExactly(java.util.Arrays.copyOf(expected, 2));
      }
    }
  }

  @Test
  void closedDecodingRefusesUseAndClosesTwice() {
    Decoding d = open(List.of("And"), 3);
    d.close();
    d.close();
    List<Runnable> uses = List.of(() -> d.extend(1), d::size, () -> d.reorder(new int[] {0}), () -> d.responseTokens(0),
        d::features, () -> d.candidates(1), () -> d.force(new int[] {1}), d::allFinished, d::tokensGenerated,
        () -> d.finishReason(0), () -> d.responseText(0));
    for (Runnable use : uses) {
      assertThatThrownBy(use::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
  }

  @Test
  void rowIndicesAreChecked() {
    try (Decoding d = open(List.of("And", "Blessed"), 3)) {
      assertThatThrownBy(() -> d.reorder(new int[] {0, 2})).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("row 2");
      assertThatThrownBy(() -> d.reorder(new int[0])).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> d.responseTokens(-1)).isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> d.extend(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("found 0");
      assertThat(d.size()).isEqualTo(2);
    }
  }

  @Test
  void forkedRowsOwnTheirResponses() {
    try (Decoding d = lm.open(List.of("And he said"), Sampling.builder().temperature(1.5).topK(0).maxNewTokens(20).build(), 4)) {
      d.extend(2);
      d.reorder(new int[] {0, 0, 0});
      int[] before = d.responseTokens(0);
      d.extend(18);
      for (int r = 0; r < 3; r++) {
        assertThat(java.util.Arrays.copyOf(d.responseTokens(r), 2)).containsExactly(before);
      }
      assertThat(Set.of(d.responseText(0), d.responseText(1), d.responseText(2))).hasSizeGreaterThan(1);
    }
  }

  @Test
  void samplingTimeIsMeasuredAsAPartOfExtend() {
    try (Decoding d = lm.open(List.of("And God said", "In the beginning"), Sampling.defaults(), 3L)) {
      assertThat(d.samplingNanos()).hasValue(0);
      long t0 = System.nanoTime();
      d.extend(8);
      long elapsed = System.nanoTime() - t0;
      assertThat(d.samplingNanos()).isPresent();
      assertThat(d.samplingNanos().getAsLong()).isPositive().isLessThanOrEqualTo(elapsed);
      long afterExtend = d.samplingNanos().getAsLong();
      d.candidates(4);
      assertThat(d.samplingNanos().getAsLong()).isGreaterThan(afterExtend);
    }
  }
}
