package ai.iro.bench;

import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.runtime.Device;
import ai.iro.onnx.runtime.OnnxSession;
import ai.iro.onnx.runtime.OrtRuntime;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The baseline: a bare ONNX Runtime greedy decode loop over a KV-cache decoder. Prefill the
 * prompts, then per step feed the last token, the attention mask, the positions and the previous
 * step's presents as pasts, and take the argmax of the logits in a plain loop. No sampling, no
 * stop checks, no bookkeeping beyond that. It owns its session, opened with the same
 * {@link OrtRuntime#open} configuration as the library's.
 */
final class BareOrtDecoder implements AutoCloseable {
  private final OrtEnvironment env;
  private final OnnxSession owned;
  private final OrtSession session;
  private final int layers;
  private final int heads;
  private final int headSize;
  private final int vocabulary;
  private final boolean positionIds;
  private final Set<String> outputs;

  private BareOrtDecoder(OrtEnvironment env, OnnxSession owned, int layers, int heads, int headSize, int vocabulary)
      throws OrtException {
    this.env = env;
    this.owned = owned;
    this.session = owned.session();
    this.layers = layers;
    this.heads = heads;
    this.headSize = headSize;
    this.vocabulary = vocabulary;
    Map<String, NodeInfo> inputs = session.getInputInfo();
    this.positionIds = inputs.containsKey("position_ids");
    if (inputs.containsKey("use_cache_branch")) {
      throw new IllegalStateException("merged decoders (use_cache_branch) are not supported by the bare loop");
    }
    Set<String> out = new LinkedHashSet<>();
    out.add("logits");
    for (int i = 0; i < layers; i++) {
      out.add("present." + i + ".key");
      out.add("present." + i + ".value");
    }
    this.outputs = out;
  }

  /** Opens a session on {@code lm}'s model file on the CPU with {@code threads} intra-op threads. */
  static BareOrtDecoder open(OnnxCausalLM lm, int threads) throws OrtException {
    OnnxSession session = OrtRuntime.open(lm.modelFile(), Device.cpu(), threads);
    try {
      return new BareOrtDecoder(OrtRuntime.environment(), session, lm.layers(), lm.keyValueHeads(), lm.headSize(),
          lm.vocabularySize());
    } catch (OrtException | RuntimeException e) {
      session.close();
      throw e;
    }
  }

  /** Closes the session. */
  @Override
  public void close() {
    owned.close();
  }

  /**
   * Greedily decodes {@code newTokens} tokens for each of the equal-length prompts.
   *
   * @param prompt the prompt token ids (BOS included), the same for every row
   * @return the generated tokens, {@code [rows][newTokens]}
   */
  int[][] decode(int[] prompt, int rows, int newTokens) throws OrtException {
    int[][] generated = new int[rows][newTokens];
    int length = prompt.length;
    long[] ids = new long[rows * length];
    long[] positions = new long[rows * length];
    for (int r = 0; r < rows; r++) {
      for (int t = 0; t < length; t++) {
        ids[r * length + t] = prompt[t];
        positions[r * length + t] = t;
      }
    }
    List<OnnxTensor> stepTensors = new ArrayList<>();
    OrtSession.Result previous = null;
    try {
      Map<String, OnnxTensorLike> feed = new HashMap<>();
      FloatBuffer empty = ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder()).asFloatBuffer();
      long[] emptyShape = {rows, heads, 0, headSize};
      for (int i = 0; i < layers; i++) {
        for (String kind : new String[] {"key", "value"}) {
          OnnxTensor t = OnnxTensor.createTensor(env, empty, emptyShape);
          stepTensors.add(t);
          feed.put("past_key_values." + i + "." + kind, t);
        }
      }
      int sequence = length;
      int total = length;
      for (int step = 0; step < newTokens; step++) {
        long[] mask = new long[rows * total];
        java.util.Arrays.fill(mask, 1L);
        OnnxTensor idsTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {rows, sequence});
        OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {rows, total});
        stepTensors.add(idsTensor);
        stepTensors.add(maskTensor);
        feed.put("input_ids", idsTensor);
        feed.put("attention_mask", maskTensor);
        if (positionIds) {
          OnnxTensor posTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[] {rows, sequence});
          stepTensors.add(posTensor);
          feed.put("position_ids", posTensor);
        }
        OrtSession.Result result = session.run(feed, outputs);
        for (OnnxTensor t : stepTensors) {
          t.close();
        }
        stepTensors.clear();
        if (previous != null) {
          previous.close();
        }
        previous = result;
        FloatBuffer logits = ((OnnxTensor) result.get("logits").orElseThrow()).getFloatBuffer();
        ids = new long[rows];
        positions = new long[rows];
        for (int r = 0; r < rows; r++) {
          int base = (r * sequence + sequence - 1) * vocabulary;
          int best = 0;
          float bestLogit = logits.get(base);
          for (int v = 1; v < vocabulary; v++) {
            float x = logits.get(base + v);
            if (x > bestLogit) {
              bestLogit = x;
              best = v;
            }
          }
          generated[r][step] = best;
          ids[r] = best;
          positions[r] = total;
        }
        if (step + 1 == newTokens) {
          break;
        }
        for (int i = 0; i < layers; i++) {
          for (String kind : new String[] {"key", "value"}) {
            OnnxValue present = result.get("present." + i + "." + kind).orElseThrow();
            feed.put("past_key_values." + i + "." + kind, (OnnxTensor) present);
          }
        }
        sequence = 1;
        total++;
      }
      return generated;
    } finally {
      for (OnnxTensor t : stepTensors) {
        t.close();
      }
      if (previous != null) {
        previous.close();
      }
    }
  }
}
