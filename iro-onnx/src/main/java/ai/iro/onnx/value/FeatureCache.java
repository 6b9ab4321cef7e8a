package ai.iro.onnx.value;

import com.google.common.base.Preconditions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Feature rows in a temporary file of float32 values (native byte order, row after row): written
 * once by {@link #append}, then, after {@link #seal}, read by memory mapping, so that the rows live
 * in the operating system's page cache rather than on the Java heap. Random access to single rows
 * (a shuffled minibatch) is fast while the file fits in the page cache; beyond that every row read
 * may be a disk read.
 *
 * <p>{@link #close} deletes the file, whatever state the cache is in; it is idempotent. On Linux
 * the pages of a deleted, still-mapped file are freed when the garbage collector drops the
 * mapping. Used on one thread.
 */
final class FeatureCache implements FeatureRows {
  /** Rows are written through a buffer of this many bytes (or one row, if larger). */
  private static final int WRITE_BUFFER_BYTES = 1 << 20;

  private final Path file;
  private final int dimension;
  private final int rowBytes;
  private final int segmentBytes;
  private FileChannel channel;
  private ByteBuffer buffer;
  private int size;
  private FloatBuffer[] segments;
  private int rowsPerSegment;
  private boolean closed;

  private FeatureCache(Path file, FileChannel channel, int dimension, int segmentBytes) {
    this.file = file;
    this.segmentBytes = segmentBytes;
    this.channel = channel;
    this.dimension = dimension;
    this.rowBytes = Math.multiplyExact(dimension, Float.BYTES);
    this.buffer = ByteBuffer.allocateDirect(Math.max(rowBytes, WRITE_BUFFER_BYTES / rowBytes * rowBytes))
        .order(ByteOrder.nativeOrder());
  }

  /**
   * Creates an empty cache file in {@code directory}.
   *
   * @throws UncheckedIOException if the file cannot be created
   */
  static FeatureCache create(Path directory, int dimension) {
    return create(directory, dimension, Integer.MAX_VALUE);
  }

  /**
   * {@link #create(Path, int)}, mapping the file in pieces of at most {@code segmentBytes} (whole
   * rows, at least one): a mapping holds at most 2 GiB; tests use small pieces.
   */
  static FeatureCache create(Path directory, int dimension, int segmentBytes) {
    Preconditions.checkArgument(dimension > 0, "dimension must be positive, found %s", dimension);
    Path file = null;
    try {
      file = Files.createTempFile(directory, "iro-value-features-", ".f32");
      return new FeatureCache(file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE),
          dimension, segmentBytes);
    } catch (IOException e) {
      if (file != null) {
        deleteQuietly(file);
      }
      throw new UncheckedIOException("cannot create a value-feature cache in " + directory, e);
    }
  }

  /** The cache file, while it exists. */
  Path file() {
    return file;
  }

  /**
   * Appends one row of {@code dimension} values.
   *
   * @throws IllegalStateException after {@link #seal} or {@link #close}
   * @throws UncheckedIOException if writing fails
   */
  void append(float[] row) {
    Preconditions.checkState(channel != null && segments == null && !closed,
        "the feature cache is not open for writing");
    Preconditions.checkArgument(row.length == dimension, "row has %s values, expected %s", row.length, dimension);
    if (buffer.remaining() < rowBytes) {
      flush();
    }
    buffer.asFloatBuffer().put(row);
    buffer.position(buffer.position() + rowBytes);
    size = Math.addExact(size, 1);
  }

  /**
   * Ends writing and maps the file for reading.
   *
   * @return this cache
   * @throws UncheckedIOException if writing or mapping fails
   */
  FeatureCache seal() {
    Preconditions.checkState(channel != null && segments == null && !closed,
        "the feature cache is not open for writing");
    flush();
    buffer = null;
    rowsPerSegment = Math.max(1, segmentBytes / rowBytes);
    int count = size == 0 ? 0 : (size - 1) / rowsPerSegment + 1;
    segments = new FloatBuffer[count];
    try {
      for (int s = 0; s < count; s++) {
        long first = (long) s * rowsPerSegment;
        long rows = Math.min(rowsPerSegment, size - first);
        MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, first * rowBytes, rows * rowBytes);
        segments[s] = mapped.order(ByteOrder.nativeOrder()).asFloatBuffer();
      }
      channel.close();
      channel = null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot map the value-feature cache " + file, e);
    }
    return this;
  }

  private void flush() {
    buffer.flip();
    try {
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the value-feature cache " + file, e);
    }
    buffer.clear();
  }

  @Override
  public int size() {
    return size;
  }

  /**
   * Copies row {@code i} into {@code scratch} and returns it.
   *
   * @throws IllegalStateException before {@link #seal} or after {@link #close}
   */
  @Override
  public float[] row(int i, float[] scratch) {
    Preconditions.checkState(segments != null && !closed, "the feature cache is not sealed or is closed");
    Preconditions.checkElementIndex(i, size, "row");
    segments[i / rowsPerSegment].get((i % rowsPerSegment) * dimension, scratch, 0, dimension);
    return scratch;
  }

  /** Closes the file and deletes it; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    segments = null;
    buffer = null;
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      // The file is deleted below either way.
    } finally {
      channel = null;
      deleteQuietly(file);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A file still mapped cannot be deleted on some systems: remove it when the JVM exits.
      file.toFile().deleteOnExit();
    }
  }
}
