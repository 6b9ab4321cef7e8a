package ai.iro.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.examples.ShippedModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iro serve}'s usage errors, found before the model loads or a port opens. */
class ServeCommandTest {
  private static final String MODEL = ShippedModel.directory().toString();

  @Test
  void bindingBeyondLoopbackWithoutAKeyIsAUsageError() {
    CliRun run = CliRun.of("serve", "--model", MODEL, "--host", "0.0.0.0", "--port", "0");
    assertThat(run.code()).as(run.toString()).isEqualTo(IroCommand.EXIT_USAGE);
    assertThat(run.firstErrorLine()).contains("--host 0.0.0.0 is not a loopback address").contains("--api-key");
  }

  @Test
  void missingPolicyDirectoryIsAUsageError(@TempDir Path tmp) {
    CliRun run = CliRun.of("serve", "--model", MODEL, "--policy", "p=" + tmp.resolve("missing"), "--port", "0");
    assertThat(run.code()).as(run.toString()).isEqualTo(IroCommand.EXIT_USAGE);
    assertThat(run.firstErrorLine()).contains("--policy p");
  }

  @Test
  void policyNamedAsTheBaseModelIsAUsageError(@TempDir Path tmp) {
    String name = ShippedModel.directory().toAbsolutePath().normalize().getFileName().toString();
    CliRun run = CliRun.of("serve", "--model", MODEL, "--policy", name + "=" + tmp, "--port", "0");
    assertThat(run.code()).as(run.toString()).isEqualTo(IroCommand.EXIT_USAGE);
    assertThat(run.firstErrorLine()).contains("the base model is called " + name);
  }

  @Test
  void policiesReadingOtherHiddenFeaturesAreAUsageError(@TempDir Path tmp) throws java.io.IOException {
    Path plain = java.nio.file.Files.createDirectories(tmp.resolve("plain"));
    Path pooled = java.nio.file.Files.createDirectories(tmp.resolve("pooled"));
    java.nio.file.Files.writeString(plain.resolve(CliFile.NAME), "{\"model\": \"" + MODEL + "\"}");
    java.nio.file.Files.writeString(pooled.resolve(CliFile.NAME), "{\"model\": \"m\", \"hiddenFeatures\": \"LAST_AND_MEAN\"}");
    CliRun run = CliRun.of("serve", "--model", MODEL, "--policy", "a=" + plain, "--policy", "b=" + pooled, "--port", "0");
    assertThat(run.code()).as(run.toString()).isEqualTo(IroCommand.EXIT_USAGE);
    assertThat(run.firstErrorLine()).contains("--policy b reads LAST_AND_MEAN hidden features but --policy a reads LAST")
        .contains("--pooled-features");
    java.nio.file.Files.writeString(pooled.resolve(CliFile.NAME), "{\"model\": \"m\", \"hiddenFeatures\": \"MEAN\"}");
    run = CliRun.of("serve", "--model", MODEL, "--policy", "b=" + pooled, "--port", "0");
    assertThat(run.code()).as(run.toString()).isNotZero();
    assertThat(run.firstErrorLine()).contains(CliFile.NAME).contains("\"hiddenFeatures\" is \"MEAN\"")
        .contains("LAST_AND_MEAN");
  }

  @Test
  void aPolicyWhoseHeadsReadAPrefixRewardNeedsTheReward(@TempDir Path tmp) throws java.io.IOException {
    Path policy = java.nio.file.Files.createDirectories(tmp.resolve("p"));
    java.nio.file.Files.writeString(policy.resolve(CliFile.NAME), "{\"model\": \"" + MODEL + "\", \"prefixReward\": true}");
    CliRun run = CliRun.of("serve", "--model", MODEL, "--policy", "p=" + policy, "--port", "0");
    assertThat(run.code()).as(run.toString()).isEqualTo(1);
    assertThat(run.firstErrorLine()).contains(CliFile.NAME + ": \"prefixReward\" is true but no \"reward\" is named");
  }

  @Test
  void portOutOfRangeIsAUsageError() {
    CliRun run = CliRun.of("serve", "--model", MODEL, "--port", "70000");
    assertThat(run.code()).as(run.toString()).isEqualTo(IroCommand.EXIT_USAGE);
    assertThat(run.firstErrorLine()).contains("--port").contains("70000");
  }
}
