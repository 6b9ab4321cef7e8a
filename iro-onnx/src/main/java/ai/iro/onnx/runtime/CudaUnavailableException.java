package ai.iro.onnx.runtime;

/**
 * CUDA cannot be used here: the ONNX Runtime build has no CUDA provider, or the provider cannot
 * start (no GPU with that index, CUDA 12 or cuDNN 9 libraries missing). The message names the
 * device and what is missing. Any other failure while loading a model on a GPU is not this
 * exception.
 */
public final class CudaUnavailableException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message names the device and what is missing
   * @param cause the native error, or null when there is none
   */
  public CudaUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
