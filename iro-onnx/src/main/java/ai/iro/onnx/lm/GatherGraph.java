package ai.iro.onnx.lm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes, as ONNX protobuf bytes, the graph that gathers KV-cache rows inside ONNX Runtime: inputs
 * {@code index} (int64 [m]) and {@code x0 .. x{n-1}} (float32 or float16 [rows, heads, past, size]), outputs
 * {@code y0 .. y{n-1}} with {@code y_i = Gather(x_i, index, axis=0)}. One run gathers every key and
 * value tensor of the cache without copying them through Java.
 */
final class GatherGraph {
  /** ONNX IR version 8 (ONNX 1.10+), opset 13: every ONNX Runtime of the last years reads it. */
  private static final int IR_VERSION = 8;
  private static final int OPSET = 13;
  private static final int FLOAT = 1;
  private static final int FLOAT16 = 10;
  private static final int INT64 = 7;
  private static final int ATTRIBUTE_INT = 2;

  /** The name of the index input. */
  static final String INDEX = "index";

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
    int type = fp16 ? FLOAT16 : FLOAT;
    Proto graph = new Proto();
    for (int i = 0; i < tensors; i++) {
      Proto axis = new Proto().string(1, "axis").varint(3, 0).varint(20, ATTRIBUTE_INT);
      graph.message(1, new Proto()
          .string(1, input(i)).string(1, INDEX).string(2, output(i))
          .string(3, "gather" + i).string(4, "Gather").message(5, axis));
    }
    graph.string(2, "iro_kv_cache_gather");
    graph.message(11, valueInfo(INDEX, INT64, "m"));
    for (int i = 0; i < tensors; i++) {
      graph.message(11, valueInfo(input(i), type, "rows", "heads", "past", "size"));
    }
    for (int i = 0; i < tensors; i++) {
      graph.message(12, valueInfo(output(i), type, "m", "heads", "past", "size"));
    }
    return new Proto()
        .varint(1, IR_VERSION)
        .string(2, "iro-onnx")
        .message(7, graph)
        .message(8, new Proto().varint(2, OPSET))
        .bytes();
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
