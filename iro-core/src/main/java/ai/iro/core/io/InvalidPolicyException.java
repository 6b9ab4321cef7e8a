package ai.iro.core.io;

import java.io.IOException;

/**
 * A policy or checkpoint directory that cannot be read: a missing, corrupt or foreign file. The
 * message names the file and what was expected.
 */
public class InvalidPolicyException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception; the message names the file and what was expected. */
  public InvalidPolicyException(String message) {
    super(message);
  }

  /** Creates the exception with its cause. */
  public InvalidPolicyException(String message, Throwable cause) {
    super(message, cause);
  }
}
