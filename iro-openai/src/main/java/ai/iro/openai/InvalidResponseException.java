package ai.iro.openai;

/**
 * A server answered with HTTP 2xx but the body breaks the protocol: not JSON, a missing field, the
 * wrong number of choices or scores, a token id outside the tokenizer's vocabulary, an unknown
 * finish reason. Not retried: a server that answers wrongly once would answer wrongly again. The
 * message says what was expected and what came.
 */
public final class InvalidResponseException extends ServerException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was wrong, with the request it answered
   * @param status the HTTP status of the response
   * @param attempts the attempts made
   */
  public InvalidResponseException(String message, int status, int attempts) {
    super(message, status, attempts, null);
  }
}
