package ai.iro.onnx.lm;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What varies between the inputs and outputs of decoder exports, read for {@link DecoderSpec}: the
 * element type of the logits, the hidden state and the KV cache (float32, or float16 in fp16
 * exports), the optional {@code num_logits_to_keep} / {@code logits_to_keep} input, and the check
 * that the first-pass graph of an older Optimum pair ({@code decoder_model.onnx}) fits its
 * with-past graph. Stateless.
 */
final class GraphIo {
  /** The names of the input that limits the logits to the last positions, newest first. */
  static final List<String> LOGITS_TO_KEEP = List.of("logits_to_keep", "num_logits_to_keep");

  private GraphIo() {}

  /**
   * The element type of tensor {@code name} of {@code file}'s graph.
   *
   * @throws IllegalArgumentException naming the file and the tensor, if it is neither float32 nor
   *     float16
   */
  static OnnxJavaType floatType(NodeInfo info, String name, Path file) {
    if (info.getInfo() instanceof TensorInfo t
        && (t.type == OnnxJavaType.FLOAT || t.type == OnnxJavaType.FLOAT16)) {
      return t.type;
    }
    throw new IllegalArgumentException("ONNX model " + file + ": " + name + " is " + info.getInfo()
        + ", expected a float32 or float16 tensor");
  }

  /**
   * The float type shared by {@code names} (every past and present tensor).
   *
   * @throws IllegalArgumentException naming the file, if one is not float32 or float16, or they differ
   */
  static OnnxJavaType sharedFloatType(Map<String, NodeInfo> infos, List<String> names, Path file) {
    OnnxJavaType first = floatType(infos.get(names.get(0)), names.get(0), file);
    for (String name : names) {
      OnnxJavaType t = floatType(infos.get(name), name, file);
      if (t != first) {
        throw new IllegalArgumentException("ONNX model " + file + ": " + name + " is " + t + " but " + names.get(0)
            + " is " + first + "; expected one element type for the whole KV cache");
      }
    }
    return first;
  }

  /** The logits-to-keep input of {@code inputs}, if the graph takes one. */
  static Optional<String> logitsToKeep(Map<String, NodeInfo> inputs) {
    return LOGITS_TO_KEEP.stream().filter(inputs::containsKey).findFirst();
  }

  /**
   * The rank of the logits-to-keep input: 0 (a scalar, as transformers.js exports it) or 1 (one
   * element).
   *
   * @throws IllegalArgumentException naming the file, if it is not an int64 scalar or one-element vector
   */
  static int logitsToKeepRank(NodeInfo info, Path file) {
    if (info.getInfo() instanceof TensorInfo t && t.type == OnnxJavaType.INT64) {
      long[] shape = t.getShape();
      if (shape.length == 0 || (shape.length == 1 && shape[0] <= 1)) {
        return shape.length;
      }
    }
    throw new IllegalArgumentException("ONNX model " + file + ": " + info.getName() + " is " + info.getInfo()
        + ", expected an int64 scalar or [1] tensor (the number of last positions to return logits for)");
  }

  /**
   * Checks the first-pass graph of a pair against the spec read from its with-past graph: the same
   * token inputs, no past inputs, the logits and every present output of the same types, and the
   * hidden-state output when the spec uses one.
   *
   * @throws IllegalArgumentException naming {@code file} and what was expected
   */
  static void checkFirstPass(DecoderSpec spec, Path file, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
    Set<String> expected = new TreeSet<>(List.of(DecoderSpec.INPUT_IDS, DecoderSpec.ATTENTION_MASK));
    spec.positionIdsInput().ifPresent(expected::add);
    spec.logitsToKeepInput().ifPresent(expected::add);
    if (!inputs.keySet().equals(expected)) {
      throw new IllegalArgumentException("ONNX model " + file + " (the first pass of " + spec.modelFile().getFileName()
          + ") has inputs " + new TreeSet<>(inputs.keySet()) + "; expected " + expected
          + ", the inputs of the with-past graph without its past");
    }
    if (!outputs.containsKey(DecoderSpec.LOGITS)
        || floatType(outputs.get(DecoderSpec.LOGITS), DecoderSpec.LOGITS, file) != spec.logitsType()) {
      throw new IllegalArgumentException("ONNX model " + file + " has no " + spec.logitsType() + " output 'logits'; "
          + "expected the outputs of " + spec.modelFile().getFileName() + ", found " + outputs.keySet());
    }
    for (String present : spec.presentNames()) {
      if (!outputs.containsKey(present) || floatType(outputs.get(present), present, file) != spec.kvType()) {
        throw new IllegalArgumentException("ONNX model " + file + " has no " + spec.kvType() + " output " + present
            + "; expected present.{i}.key/value for every layer i < " + spec.layers() + ", found " + outputs.keySet());
      }
    }
    spec.hiddenOutput().ifPresent(h -> {
      if (!outputs.containsKey(h)) {
        throw new IllegalArgumentException("ONNX model " + file + " has no output " + h + " while "
            + spec.modelFile().getFileName() + " has; expected both graphs of the pair to return it");
      }
    });
  }
}
