package ai.iro.onnx.lm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Direct buffers shared by the decodings of one model: a decoding borrows its input, logits and
 * hidden-state buffers here and returns them when it closes, so a long run of decodings allocates
 * no native memory after warm-up (direct memory is only freed when the garbage collector gets to
 * its buffer, which a loop of short decodings would outrun). Thread safe.
 */
final class BufferPool {
  /** Buffers kept for reuse at most; more are left to the garbage collector. */
  static final int MAX_POOLED = 64;
  private static final int MIN_BYTES = 4096;

  private final List<ByteBuffer> free = new ArrayList<>();

  /** A cleared native-order direct buffer of at least {@code bytes} bytes; give it back with {@link #release}. */
  synchronized ByteBuffer acquire(long bytes) {
    if (bytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a buffer of " + bytes + " bytes is over the 2 GB limit of a Java buffer");
    }
    int best = -1;
    for (int i = 0; i < free.size(); i++) {
      int capacity = free.get(i).capacity();
      if (capacity >= bytes && (best < 0 || capacity < free.get(best).capacity())) {
        best = i;
      }
    }
    if (best >= 0) {
      ByteBuffer b = free.remove(best);
      b.clear();
      return b;
    }
    long size = Math.max(MIN_BYTES, Long.highestOneBit(Math.max(1, bytes - 1)) << 1);
    return ByteBuffer.allocateDirect((int) Math.min(Integer.MAX_VALUE - 8, Math.max(size, bytes)))
        .order(ByteOrder.nativeOrder());
  }

  /**
   * {@code current} if it holds at least {@code bytes} bytes, else a buffer from {@link #acquire}
   * after {@code current} (which may be null) is released: for buffers that grow with the batch.
   */
  ByteBuffer ensure(ByteBuffer current, long bytes) {
    if (current != null && current.capacity() >= bytes) {
      return current;
    }
    release(current);
    return acquire(bytes);
  }

  /** Returns a buffer from {@link #acquire}; the caller must not use it afterwards. */
  synchronized void release(ByteBuffer buffer) {
    if (buffer == null) {
      return;
    }
    if (free.size() >= MAX_POOLED) {
      int smallest = 0;
      for (int i = 1; i < free.size(); i++) {
        if (free.get(i).capacity() < free.get(smallest).capacity()) {
          smallest = i;
        }
      }
      if (free.get(smallest).capacity() >= buffer.capacity()) {
        return;
      }
      free.remove(smallest);
    }
    free.add(buffer);
  }

  /** Drops every pooled buffer. */
  synchronized void clear() {
    free.clear();
  }
}
