package ai.iro.examples.cli;

import java.util.function.Supplier;

/**
 * A usage error: the command line is wrong (an option's value, a path that does not exist or is of
 * the wrong kind, an {@code --out} that is not this run's). {@link IroCommand} prints its message and
 * exits with {@value IroCommand#EXIT_USAGE}; commands throw it before they write anything.
 */
final class UsageError extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  UsageError(String message) {
    super(message);
  }

  UsageError(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * Runs a library call that checks an option's value, turning its {@link IllegalArgumentException}
   * into a usage error that names the option (none when {@code option} is empty: the library's
   * message names the cause).
   */
  static <T> T check(String option, Supplier<T> call) {
    try {
      return call.get();
    } catch (UsageError e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new UsageError(option.isEmpty() ? e.getMessage() : option + ": " + e.getMessage(), e);
    }
  }
}
