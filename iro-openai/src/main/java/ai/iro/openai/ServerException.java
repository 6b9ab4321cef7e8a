package ai.iro.openai;

import java.util.OptionalInt;

/**
 * A call to a model server failed: refused with a status that is not retried (a 4xx other than
 * 429, with the server's own message), still failing when the {@link RetryPolicy} was spent, or
 * answered with a response that breaks the protocol ({@link InvalidResponseException}). The message
 * names the request (method and URL path, never the API key) and the number of attempts. A batch
 * whose call fails is left as it was before the call: never partly updated.
 */
public class ServerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final int attempts;

  /**
   * Creates the exception.
   *
   * @param message what failed, with the server's message where it gave one
   * @param status the last HTTP status, or -1 when no response arrived
   * @param attempts the attempts made
   * @param cause the last I/O error, or null
   */
  public ServerException(String message, int status, int attempts, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.attempts = attempts;
  }

  /** The last HTTP status received, empty when the last attempt got no response (connection error, timeout). */
  public OptionalInt status() {
    return status < 0 ? OptionalInt.empty() : OptionalInt.of(status);
  }

  /** The number of attempts made, the first included. */
  public int attempts() {
    return attempts;
  }
}
