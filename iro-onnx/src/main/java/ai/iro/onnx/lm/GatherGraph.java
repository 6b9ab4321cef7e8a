package ai.iro.onnx.lm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes, as ONNX protobuf bytes, the graphs that gather KV-cache rows inside ONNX Runtime: inputs
 * {@code index} (int64 [m]) and {@code x0 .. x{n-1}} (float32 or float16 [rows, heads, past, size]), outputs
 * {@code y0 .. y{n-1}} with {@code y_i = Gather(x_i, index, axis=0)}. One run gathers every key and
 * value tensor of the cache without copying them through Java. The trimming variant
 * ({@link #buildTrimming}) also takes {@code start} (int64 [1]) and drops the first {@code start}
 * positions: {@code y_i = Slice(Gather(x_i, index, axis=0), start, end, axes=[2])}, a second copy
 * that only a cache at the end of the context pays ({@link KvCache#gatherDroppingPadding}).
 */
final class GatherGraph {
  /** ONNX IR version 8 (ONNX 1.10+), opset 13: every ONNX Runtime of the last years reads it. */
  private static final int IR_VERSION = 8;
  private static final int OPSET = 13;
  private static final int FLOAT = 1;
  private static final int FLOAT16 = 10;
  private static final int INT64 = 7;
  private static final int ATTRIBUTE_INT = 2;
  private static final String ENDS = "ends";
  private static final String AXES = "axes";
  /** The sequence axis of a KV tensor, [rows, heads, past, size]. */
  private static final long SEQUENCE_AXIS = 2;

  /** The name of the index input. */
  static final String INDEX = "index";
  /** The name of the trimming graph's input holding the number of leading positions to drop. */
  static final String START = "start";

  private GatherGraph() {}

  static String input(int i) {
    return "x" + i;
  }

  static String output(int i) {
    return "y" + i;
  }

  /** The serialised model gathering {@code tensors} float32 tensors of rank 4 along axis 0. */
  static byte[] build(int tensors) {
    return build(tensors, false);
  }

  /** The serialised model gathering {@code tensors} float32 or, if {@code fp16}, float16 tensors of rank 4 along axis 0. */
  static byte[] build(int tensors, boolean fp16) {
    return build(tensors, fp16, false);
  }

  /**
   * The serialised model gathering {@code tensors} float32 or, if {@code fp16}, float16 tensors of
   * rank 4 along axis 0 and dropping the first {@link #START} positions of axis 2.
   */
  static byte[] buildTrimming(int tensors, boolean fp16) {
    return build(tensors, fp16, true);
  }

  private static byte[] build(int tensors, boolean fp16, boolean trim) {
    int type = fp16 ? FLOAT16 : FLOAT;
    Proto graph = new Proto();
    for (int i = 0; i < tensors; i++) {
      Proto axis = new Proto().string(1, "axis").varint(3, 0).varint(20, ATTRIBUTE_INT);
      String gathered = trim ? "gathered" + i : output(i);
      graph.message(1, new Proto()
          .string(1, input(i)).string(1, INDEX).string(2, gathered)
          .string(3, "gather" + i).string(4, "Gather").message(5, axis));
      if (trim) {
        graph.message(1, new Proto()
            .string(1, gathered).string(1, START).string(1, ENDS).string(1, AXES).string(2, output(i))
            .string(3, "trim" + i).string(4, "Slice"));
      }
    }
    graph.string(2, trim ? "iro_kv_cache_gather_trim" : "iro_kv_cache_gather");
    if (trim) {
      graph.message(5, int64Tensor(ENDS, Long.MAX_VALUE));
      graph.message(5, int64Tensor(AXES, SEQUENCE_AXIS));
    }
    graph.message(11, valueInfo(INDEX, INT64, "m"));
    if (trim) {
      graph.message(11, valueInfo(START, INT64, "one"));
    }
    for (int i = 0; i < tensors; i++) {
      graph.message(11, valueInfo(input(i), type, "rows", "heads", "past", "size"));
    }
    for (int i = 0; i < tensors; i++) {
      graph.message(12, valueInfo(output(i), type, "m", "heads", trim ? "kept" : "past", "size"));
    }
    return new Proto()
        .varint(1, IR_VERSION)
        .string(2, "iro-onnx")
        .message(7, graph)
        .message(8, new Proto().varint(2, OPSET))
        .bytes();
  }

  /** An int64 initializer of shape [1]: TensorProto dims (1), data_type (2), int64_data (7), name (8). */
  private static Proto int64Tensor(String name, long value) {
    return new Proto().varint(1, 1).varint(2, INT64).varint(7, value).string(8, name);
  }

  private static Proto valueInfo(String name, int elementType, String... dims) {
    Proto shape = new Proto();
    for (String d : dims) {
      shape.message(1, new Proto().string(2, d));
    }
    Proto tensorType = new Proto().varint(1, elementType).message(2, shape);
    return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
  }

  /** A protobuf message being written: varint and length-delimited fields only. */
  private static final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Proto varint(int field, long value) {
      raw((long) field << 3);
      raw(value);
      return this;
    }

    Proto string(int field, String value) {
      return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    Proto message(int field, Proto value) {
      return bytes(field, value.bytes());
    }

    private Proto bytes(int field, byte[] value) {
      raw(((long) field << 3) | 2);
      raw(value.length);
      out.write(value, 0, value.length);
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }

    private void raw(long value) {
      long v = value;
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }
  }
}
