package ai.iro.examples.serve;

/**
 * A request the server refuses, answered as an OpenAI error object
 * {@code {"error": {"message", "type", "code"}}} with {@link #status()}.
 */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final String code;

  ApiError(int status, String type, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
  }

  /** 400: a body that is not JSON, or a parameter out of range. */
  static ApiError invalid(String message) {
    return new ApiError(400, "invalid_request_error", "invalid_request", message);
  }

  /** 400 naming the parameter at fault. */
  static ApiError invalidParam(String param, String message) {
    return new ApiError(400, "invalid_request_error", "invalid_" + param, param + ": " + message);
  }

  int status() {
    return status;
  }

  String type() {
    return type;
  }

  String code() {
    return code;
  }
}
