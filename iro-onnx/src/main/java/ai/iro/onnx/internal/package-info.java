/**
 * Internals of the ONNX module shared across its packages: {@link ai.iro.onnx.internal.EncoderSession},
 * the session-and-tokenizer plumbing of {@code SentenceEncoder} and {@code OnnxRewardModel}. Not an
 * API: public only so that those packages can share it; the module does not export this package, and
 * it may change without notice.
 */
package ai.iro.onnx.internal;
