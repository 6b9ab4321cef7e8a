/** ONNX Runtime plumbing: the environment (loaded safely on a large-stack thread), devices and sessions. */
package ai.iro.onnx.runtime;
