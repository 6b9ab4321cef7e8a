package ai.iro.onnx.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Objects;

/**
 * An ONNX Runtime session together with the options it was created from, which ONNX Runtime asks
 * to keep open for the session's lifetime. Created by {@link OrtRuntime#open}; the caller owns it
 * and closes it.
 *
 * <p>Thread safe: {@link OrtSession#run} may be called from several threads at once. {@link #close}
 * is idempotent; {@link #session()} after close throws {@link IllegalStateException}.
 */
public final class OnnxSession implements AutoCloseable {
  private final String source;
  private final Device device;
  private final OrtSession session;
  private final OrtSession.SessionOptions options;
  private volatile boolean closed;

  OnnxSession(String source, Device device, OrtSession session, OrtSession.SessionOptions options) {
    this.source = Objects.requireNonNull(source, "source");
    this.device = Objects.requireNonNull(device, "device");
    this.session = Objects.requireNonNull(session, "session");
    this.options = Objects.requireNonNull(options, "options");
  }

  /**
   * The ONNX Runtime session, owned by this object: do not close it.
   *
   * @throws IllegalStateException if this session is closed
   */
  public OrtSession session() {
    if (closed) {
      throw new IllegalStateException("the ONNX Runtime session of " + source + " is closed");
    }
    return session;
  }

  /** Where the model came from: its file, or a name for a graph built in memory. */
  public String source() {
    return source;
  }

  /** The device the session runs on. */
  public Device device() {
    return device;
  }

  /** Whether {@link #close} was called. */
  public boolean isClosed() {
    return closed;
  }

  /** Frees the session and its options. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the ONNX Runtime session of " + source + ": " + e.getMessage(), e);
    } finally {
      options.close();
    }
  }

  @Override
  public String toString() {
    return "OnnxSession{" + source + ", " + device + (closed ? ", closed" : "") + "}";
  }
}
