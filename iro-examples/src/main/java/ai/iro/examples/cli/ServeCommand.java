package ai.iro.examples.cli;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.reward.RewardModel;
import ai.iro.examples.ValueHeads;
import ai.iro.examples.serve.OpenAiServer;
import ai.iro.onnx.chat.ChatTemplate;
import ai.iro.onnx.chat.ChatTemplateException;
import ai.iro.onnx.lm.HiddenFeatures;
import ai.iro.onnx.lm.OnnxCausalLM;
import ai.iro.onnx.runtime.Device;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code iro serve}: an OpenAI-compatible server over {@code --model} and each {@code --policy},
 * which share one copy of the model. Runs until interrupted; Ctrl-C shuts it down gracefully.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve the base model and aligned policies over an OpenAI-compatible HTTP API "
        + "(/v1/completions, /v1/chat/completions, /v1/models, /health), streamed on request; concurrent "
        + "base-model requests are decoded in one batch.",
    exitCodeListHeading = IroCommand.EXIT_CODES_HEADING,
    exitCodeList = {IroCommand.EXIT_OK_LINE, IroCommand.EXIT_FAILURE_LINE, IroCommand.EXIT_USAGE_LINE})
final class ServeCommand implements Callable<Integer> {
  /** The environment variable read when {@code --api-key} is not given. */
  static final String API_KEY_ENV = "IRO_API_KEY";

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, description = "ONNX model directory; requests call it by its folder name.")
  Path model;

  @Option(names = "--policy", paramLabel = "NAME=DIR", description = "An aligned policy of --model (iro align's "
      + "--out), called by NAME. Repeatable.")
  Map<String, Path> policies = new LinkedHashMap<>();

  @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}); any other than loopback "
      + "needs an API key.")
  String host = OpenAiServer.DEFAULT_HOST;

  @Option(names = "--port", description = "Port (default: ${DEFAULT-VALUE}; 0: any free port).")
  int port = OpenAiServer.DEFAULT_PORT;

  @Option(names = "--api-key", description = "Key requests must send as 'Authorization: Bearer KEY' "
      + "(default: the environment variable " + API_KEY_ENV + ", else none).")
  String apiKey;

  @Option(names = "--max-tokens", description = "Largest max_tokens a request may ask (default: ${DEFAULT-VALUE}).")
  int maxTokens = OpenAiServer.DEFAULT_MAX_TOKENS_LIMIT;

  @Option(names = "--concurrency", description = "Requests generating at once; more get 429 (default: ${DEFAULT-VALUE}).")
  int concurrency = OpenAiServer.DEFAULT_CONCURRENCY;

  @Option(names = "--batch-window-ms", description = "How long a base-model request waits for concurrent ones "
      + "to share its batch (default: ${DEFAULT-VALUE}).")
  long batchWindowMs = OpenAiServer.DEFAULT_BATCH_WINDOW.toMillis();

  @Option(names = "--device", description = "cpu, cuda or cuda:N (default: cpu).")
  String device = "cpu";

  /**
   * The hidden features the policies' heads read, from the {@value CliFile#NAME} iro align wrote
   * beside each (the last hidden state where there is none); one model serves them all, so they
   * must agree.
   */
  private HiddenFeatures policyFeatures(Map<String, Optional<CliFile>> cliFiles) {
    HiddenFeatures kind = null;
    String first = null;
    for (Map.Entry<String, Optional<CliFile>> p : cliFiles.entrySet()) {
      HiddenFeatures k = p.getValue().map(CliFile::hiddenFeatures).orElse(HiddenFeatures.LAST);
      if (kind != null && k != kind) {
        throw new UsageError("--policy " + p.getKey() + " reads " + k + " hidden features but --policy " + first
            + " reads " + kind + "; one model serves every policy: align them with the same --pooled-features");
      }
      kind = k;
      first = first == null ? p.getKey() : first;
    }
    return kind == null ? HiddenFeatures.LAST : kind;
  }

  @Override
  public Integer call() throws Exception {
    Checks.requireDirectory("--model", model);
    policies.forEach((name, dir) -> Checks.requireDirectory("--policy " + name, dir));
    Device dev = UsageError.check("--device", () -> Device.parse(device));
    Optional<String> key = Optional.ofNullable(apiKey != null ? apiKey : System.getenv(API_KEY_ENV))
        .filter(k -> !k.isBlank());
    OpenAiServer.Builder b = OpenAiServer.builder();
    UsageError.check("--port", () -> b.port(port));
    UsageError.check("--max-tokens", () -> b.maxTokens(maxTokens));
    UsageError.check("--concurrency", () -> b.concurrency(concurrency));
    UsageError.check("--batch-window-ms", () -> b.batchWindow(Duration.ofMillis(batchWindowMs)));
    key.ifPresent(b::apiKey);
    b.host(host);
    if (key.isEmpty() && !OpenAiServer.isLoopback(host)) {
      throw new UsageError("--host " + host + " is not a loopback address: give --api-key (or set " + API_KEY_ENV
          + ") so that only callers with the key are served");
    }
    String name = model.toAbsolutePath().normalize().getFileName().toString();
    if (policies.containsKey(name)) {
      throw new UsageError("--policy " + name + ": the base model is called " + name + "; pick another name");
    }
    Map<String, Optional<CliFile>> cliFiles = new LinkedHashMap<>();
    for (Map.Entry<String, Path> p : policies.entrySet()) {
      cliFiles.put(p.getKey(), CliFile.read(p.getValue()));
    }
    HiddenFeatures features = policyFeatures(cliFiles);
    OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(model).hiddenFeatures(features)
        .execution(OnnxCausalLM.DEFAULT_EXECUTION.withDevice(dev)).build();
    // One reward model per distinct --reward of the policies whose heads read it, shared by them.
    Map<String, RewardModel> rewards = new LinkedHashMap<>();
    try {
      b.model(name, lm);
      chatTemplate(model).ifPresent(b::chatTemplate);
      for (Map.Entry<String, Path> p : policies.entrySet()) {
        Optional<RewardModel> headReward = CliFile.prefixRewardModel(cliFiles.get(p.getKey()), p.getValue(), rewards);
        b.policy(p.getKey(), AlignedPolicy.load(p.getValue(), lm, ValueHeads.loaders(lm, headReward)));
      }
      OpenAiServer server = b.start();
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "iro-serve-shutdown"));
      spec.commandLine().getOut().println("iro serve: http://" + host + ":" + server.port() + "/v1 serving "
          + server.modelNames() + (key.isPresent() ? ", API key required" : "") + "; Ctrl-C stops");
      server.awaitClose();
      return 0;
    } finally {
      try {
        lm.close();
      } finally {
        Rewards.closeAll(rewards.values());
      }
    }
  }

  /** The model's chat template, or empty when it has none; a template that does not parse is an error. */
  private static Optional<ChatTemplate> chatTemplate(Path model) {
    try {
      return Optional.of(ChatTemplate.load(model));
    } catch (ChatTemplateException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
