package ai.iro.examples.cli;

import ai.iro.onnx.chat.ChatTemplate;
import ai.iro.onnx.lm.HiddenFeatures;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.runtime.Device;
import java.nio.file.Path;

/**
 * The model of {@code --model} on {@code --device}, a chat model with {@code --chat}, giving its
 * value heads the hidden features of {@code --pooled-features}.
 */
final class ChatOption {
  private ChatOption() {}

  /**
   * Loads the model; with {@code chat}, with the chat template of its {@code tokenizer_config.json};
   * its value features are {@code features}.
   *
   * @throws UsageError if {@code --chat} is given for a model without a chat template
   */
  static OnnxCausalLM model(Path directory, Device device, boolean chat, HiddenFeatures features) {
    return model(directory, device, chat, features, 0);
  }

  /**
   * As {@link #model(Path, Device, boolean, HiddenFeatures)}, keeping up to {@code keepDecodedStates}
   * bytes of the hidden states its decodings compute ({@code OnnxCausalLM.Builder.keepDecodedStates}).
   */
  static OnnxCausalLM model(Path directory, Device device, boolean chat, HiddenFeatures features,
      long keepDecodedStates) {
    OnnxCausalLM.Builder b = OnnxCausalLM.builder().modelDirectory(directory).hiddenFeatures(features)
        .execution(OnnxCausalLM.DEFAULT_EXECUTION.withDevice(device)).keepDecodedStates(keepDecodedStates);
    if (chat) {
      b.chat(UsageError.check("--chat", () -> ChatTemplate.load(directory)));
    }
    return b.build();
  }
}
