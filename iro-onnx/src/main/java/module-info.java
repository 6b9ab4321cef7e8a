/**
 * IRO on ONNX Runtime: causal language models, tokenizers, reward models and the ND4J value heads.
 * Every package is exported except {@code ai.iro.onnx.internal}, where there is one.
 *
 * <p>ND4J cannot be a module: {@code nd4j-api}'s descriptor names a package the jar lacks,
 * {@code nd4j-native}'s requires {@code slf4j.api}, a name SLF4J 2 does not have, and ND4J's shaded
 * protobuf jar holds a package of Guava's. ND4J and its dependencies stay on the class path, and
 * this module reads the unnamed module. On the module path, launch with
 * {@code --add-reads ai.iro.onnx=ALL-UNNAMED --add-modules ALL-DEFAULT}: the first lets this module
 * see ND4J, the second gives ND4J the JDK modules a class-path application has (JavaCPP needs
 * {@code jdk.unsupported}, which a launch with {@code -m} does not resolve by itself). ONNX Runtime
 * and DJL's tokenizers are automatic modules, named by their manifests.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module ai.iro.onnx {
  requires transitive ai.iro.core;
  // OrtRuntime and OnnxSession hand out ONNX Runtime's environment and sessions.
  requires transitive com.microsoft.onnxruntime;
  requires ai.djl.tokenizers;
  requires com.fasterxml.jackson.databind;
  requires com.google.common;
  requires org.slf4j;

  exports ai.iro.onnx.chat;
  exports ai.iro.onnx.features;
  exports ai.iro.onnx.lm;
  exports ai.iro.onnx.reward;
  exports ai.iro.onnx.runtime;
  exports ai.iro.onnx.text;
  exports ai.iro.onnx.value;
}
