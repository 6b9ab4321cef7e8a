package ai.iro.core.model;

/** Why a row stopped growing. Constants, thread safe. */
public enum FinishReason {
  /** The model emitted an end-of-sequence token. */
  END_OF_SEQUENCE,
  /** The response reached {@link Sampling#maxNewTokens()} or the model's context. */
  LENGTH,
  /** The response text contains one of {@link Sampling#stopStrings()}. */
  STOP_STRING
}
