package ai.iro.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.internal.PolicyDirectory;
import ai.iro.core.internal.PolicyManifest;
import ai.iro.examples.ChatModelFixture;
import ai.iro.examples.ShippedModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iro align} on the shipped model, interrupted and resumed, then {@code iro generate}. */
class AlignGenerateTest {
  private StringWriter out = new StringWriter();
  private StringWriter err = new StringWriter();

  private int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
    return IroCommand.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
  }

  private String[] align(Path prompts, Path policy, String reward) {
    return new String[] {"align", "--model", ShippedModel.directory().toString(), "--prompts", prompts.toString(),
        "--reward", reward, "--iterations", "2", "--out", policy.toString(), "-W", "2", "-K", "2", "-L", "4",
        "--samples", "4", "--max-new-tokens", "8", "--seed", "7"};
  }

  @Test
  void alignResumesAfterACrashAndGenerateUsesThePolicy(@TempDir Path tmp) throws IOException {
    Path prompts = tmp.resolve("prompts.jsonl");
    Files.write(prompts, List.of("{\"prompt\": \"And God said\"}", "{\"prompt\": \"Blessed are they\", \"id\": 2}",
        "{\"prompt\": \"In the beginning\"}", "{\"prompt\": \"The LORD is my\"}"));
    Path policy = tmp.resolve("policy");

    FlakyReward.CALLS.set(0);
    FlakyReward.FAIL_ON_CALL = 2;
    assertThat(run(align(prompts, policy, FlakyReward.class.getName()))).isEqualTo(1);
    assertThat(err.toString()).startsWith("iro: simulated crash").doesNotContain("\tat ");
    assertThat(PolicyDirectory.readManifest(policy).orElseThrow().entries()).hasSize(1);

    FlakyReward.FAIL_ON_CALL = -1;
    assertThat(run(align(prompts, policy, FlakyReward.class.getName()))).as(err.toString()).isZero();
    assertThat(out.toString()).contains("resuming after 1 completed iteration(s)").contains("aligned policy with 2 iterations");
    PolicyManifest manifest = PolicyDirectory.readManifest(policy).orElseThrow();
    assertThat(manifest.entries()).hasSize(2);
    assertThat(manifest.searcher().chunkLength()).isEqualTo(4);

    assertThat(run("generate", "--policy", policy.toString(), "--prompt", "And God said", "--reward", "afinn"))
        .as(err.toString()).isZero();
    String first = out.toString().trim();
    assertThat(first).startsWith("And God said").hasSizeGreaterThan("And God said".length());
    assertThat(run("generate", "--policy", policy.toString(), "--prompt", "And God said", "--reward", "afinn")).isZero();
    assertThat(out.toString().trim()).as("same policy, same prompt, same answer").isEqualTo(first);

    String[] byAlignReward = {"generate", "--policy", policy.toString(), "--prompt", "In the beginning"};
    assertThat(run(byAlignReward)).as(err.toString()).isZero();
    String defaultPick = out.toString();
    assertThat(run("generate", "--policy", policy.toString(), "--prompt", "In the beginning", "--reward",
        FlakyReward.class.getName())).isZero();
    assertThat(out.toString()).as("by default the final pick uses the reward align used").isEqualTo(defaultPick);
    assertThat(run("generate", "--policy", policy.toString(), "--prompt", "In the beginning", "--value-pick"))
        .as(err.toString()).isZero();
    assertThat(run("generate", "--policy", policy.toString(), "--prompt", "x", "--value-pick", "--reward", "afinn"))
        .isNotZero();
    assertThat(err.toString()).contains("--value-pick and --reward");
  }

  @Test
  void valueLearningOptionsReachTheRunAndItsManifest(@TempDir Path tmp) throws IOException {
    Path prompts = tmp.resolve("p.jsonl");
    Files.writeString(prompts, "{\"prompt\": \"And God said\"}\n{\"prompt\": \"In the beginning\"}\n"
        + "{\"prompt\": \"The LORD is my\"}\n{\"prompt\": \"Blessed are the\"}\n");
    Path policy = tmp.resolve("options");
    List<String> args = new java.util.ArrayList<>(List.of(align(prompts, policy, "afinn")));
    args.addAll(List.of("--reweighting", "weighted(temperature=0.5)", "--value-target", "soft(temperature=1.0)",
        "--training-resampler", "standardized(systematic(tau=0.5))", "--warm-start", "--residual", "--pooled-features", "--prefix-reward", "--keep-decoded-states", "64"));
    List<String> negative = new java.util.ArrayList<>(args);
    negative.set(negative.size() - 1, "-1");
    assertThat(run(negative.toArray(String[]::new))).isEqualTo(2);
    assertThat(err.toString()).contains("--keep-decoded-states -1: must not be negative");
    assertThat(policy).doesNotExist();
    assertThat(run(args.toArray(String[]::new))).as(err.toString()).isZero();
    PolicyManifest manifest = PolicyDirectory.readManifest(policy).orElseThrow();
    assertThat(manifest.settings().selection()).isEqualTo("weighted(temperature=0.5)");
    assertThat(manifest.identity()).containsEntry("valueTarget", "soft(temperature=1.0)")
        .containsEntry("trainingResampler", "standardized(systematic(tau=0.5))");
    assertThat(manifest.identity().get("valueTrainer")).contains("warmStart=true", "residual=true",
        ":last_and_mean_hidden_state:", " + prefix-reward:afinn-165]");
    com.fasterxml.jackson.databind.JsonNode cli = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(policy.resolve("cli.json").toFile());
    assertThat(cli.path("hiddenFeatures").asText()).isEqualTo("LAST_AND_MEAN");
    assertThat(cli.path("prefixReward").asBoolean()).isTrue();
    // generate loads the model with the features the heads were trained on, the reward of the prefix included.
    assertThat(run("generate", "--policy", policy.toString(), "--prompt", "And God said")).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("And God said");
    Files.writeString(policy.resolve("cli.json"), "{\"model\": \"" + ShippedModel.directory().toAbsolutePath()
        + "\", \"hiddenFeatures\": \"LAST_AND_MEAN\", \"prefixReward\": true}");
    assertThat(run("generate", "--policy", policy.toString(), "--prompt", "And God said")).isEqualTo(1);
    assertThat(err.toString()).contains("cli.json: \"prefixReward\" is true but no \"reward\" is named");
  }

  @Test
  void generateWithoutAPolicyIsAOneLineError(@TempDir Path tmp) {
    assertThat(run("generate", "--policy", tmp.toString(), "--prompt", "x", "--model", ShippedModel.directory().toString()))
        .isEqualTo(1);
    assertThat(err.toString().trim()).startsWith("iro: ").contains("manifest.json").doesNotContain("\tat ");
  }

  @Test
  void chatAlignRendersPromptsWithTheTemplateAndGenerateFollows(@TempDir Path tmp) throws IOException {
    Path model = ChatModelFixture.create(tmp);
    Path prompts = tmp.resolve("chat.jsonl");
    Files.write(prompts, List.of("{\"messages\": [{\"role\": \"user\", \"content\": \"And God said\"}]}",
        "{\"instruction\": \"Blessed are they\", \"input\": \"\"}", "{\"prompt\": \"In the beginning\"}",
        "{\"messages\": [{\"role\": \"system\", \"content\": \"Quote.\"}, {\"role\": \"user\", \"content\": "
            + "\"Genesis?\"}, {\"role\": \"assistant\", \"content\": \"In the beginning\"}, {\"role\": \"user\", "
            + "\"content\": \"The LORD is my\"}]}"));
    Path policy = tmp.resolve("policy");
    assertThat(run("align", "--model", model.toString(), "--prompts", prompts.toString(), "--reward", "afinn",
        "--iterations", "1", "--out", policy.toString())).as("a conversation needs --chat").isEqualTo(2);
    assertThat(err.toString()).contains("prompt 4 is a conversation of 4 messages [system, user, assistant, user]")
        .contains("pass --chat");
    assertThat(policy).doesNotExist();
    assertThat(run("align", "--model", model.toString(), "--prompts", prompts.toString(), "--reward", "afinn", "--chat",
        "--iterations", "1", "--out", policy.toString(), "-W", "2", "-K", "2", "-L", "4", "--samples", "2",
        "--max-new-tokens", "4", "--seed", "7")).as(err.toString()).isZero();
    assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(policy.resolve("cli.json").toFile())
        .path("chat").asBoolean()).isTrue();
    assertThat(run("generate", "--policy", policy.toString(), "--prompt", "And God said")).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("And God said");
  }
}
