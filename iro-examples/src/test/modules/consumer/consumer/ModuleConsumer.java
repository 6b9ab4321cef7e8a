package consumer;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.Aligner;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.model.Sampling;
import ai.iro.core.reward.RewardModel;
import ai.iro.core.search.Searcher;
import ai.iro.core.value.FeatureSource;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.value.MlpValueHead;
import ai.iro.onnx.value.MlpValueTrainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The README's example, shrunk to run in seconds: loads an ONNX model, aligns it for one iteration on
 * a few prompts with an ND4J value head, generates one answer, saves the policy and loads it back.
 * Prints the modules it ran in, so that the test can tell a module-path run from a class-path one.
 */
public final class ModuleConsumer {
  private ModuleConsumer() {}

  /** Runs on the model directory, the first argument, and saves into the policy directory, the second. */
  public static void main(String[] args) throws IOException {
    Path modelDirectory = Path.of(args[0]);
    Path policyDirectory = Path.of(args[1]);
    Module core = Aligner.class.getModule();
    System.out.println("core module: " + core.getName()
        + ", exports ai.iro.core.internal: " + core.isExported("ai.iro.core.internal"));
    System.out.println("onnx module: " + OnnxCausalLM.class.getModule().getName());
    System.out.println("consumer module: " + ModuleConsumer.class.getModule().getName());
    try (OnnxCausalLM model = OnnxCausalLM.load(modelDirectory)) {
      FeatureSource features = model.features();
      Sampling sampling = Sampling.builder().maxNewTokens(8).build();
      Aligner aligner = Aligner.builder()
          .baseModel(model)
          .reward(RewardModel.of((prompt, response) -> response.length()))
          .valueTrainer(MlpValueTrainer.builder().features(features).epochs(1).build())
          .searcher(Searcher.builder().beamWidth(2).children(2).chunkLength(4).sampling(sampling).build())
          .iterations(1)
          .initialSamples(2)
          .seed(42)
          .build();
      AlignedPolicy policy = aligner.align(PromptDataset.of(List.of(
          "Blessed are the", "In the beginning", "The LORD is my", "And God said")));
      System.out.println("answer: " + policy.generate("Blessed are the"));
      policy.save(policyDirectory);
      AlignedPolicy reloaded = AlignedPolicy.load(policyDirectory, model, List.of(MlpValueHead.loader(features)));
      System.out.println("reloaded answer: " + reloaded.generate("Blessed are the"));
    }
  }
}
