package ai.iro.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.Aligner;
import ai.iro.core.data.PromptDataset;
import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.model.Sampling;
import ai.iro.core.search.Searcher;
import ai.iro.core.testing.DirectorySnapshot;
import ai.iro.core.testing.Fuzz;
import ai.iro.core.testing.TabularProblem;
import ai.iro.core.testing.TabularTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzed policy manifests: loading a policy ({@link AlignedPolicy#load}) and checking a resume
 * against it ({@link Aligner#validate}) either succeed or throw the documented exception
 * ({@link InvalidPolicyException}, for validate wrapped in {@link UncheckedIOException}, or an
 * {@link IllegalArgumentException} for another run's manifest) with a message naming the
 * directory; never another exception, a hang, or a change to a file.
 */
@Timeout(180)
class ManifestFuzzTest {
  private static final Sampling PLAIN = Sampling.builder().temperature(1).topK(0).topP(1)
      .maxNewTokens(TabularProblem.HORIZON).build();
  private static final TabularProblem PROBLEM = new TabularProblem(21);

  @TempDir
  static Path dir;
  private static byte[] manifest;
  private static Aligner aligner;
  private static PromptDataset prompts;

  @BeforeAll
  static void alignAPolicy() throws IOException {
    prompts = PromptDataset.of(IntStream.range(0, 20).mapToObj(i -> "prompt " + i).toList());
    aligner = Aligner.builder().baseModel(PROBLEM.model()).reward(PROBLEM.rewardModel())
        .valueTrainer(new TabularTrainer(PROBLEM.model()))
        .searcher(Searcher.builder().beamWidth(2).children(2).chunkLength(1).sampling(PLAIN).build())
        .initialSamples(2).batchSize(50).iterations(2).seed(3).checkpointDirectory(dir).build();
    aligner.align(prompts);
    manifest = Files.readAllBytes(dir.resolve(PolicyManifest.FILE_NAME));
  }

  private static void property(byte[] content) throws IOException {
    Path file = dir.resolve(PolicyManifest.FILE_NAME);
    Files.write(file, content);
    Map<String, String> before = DirectorySnapshot.of(dir);
    try {
      AlignedPolicy p = AlignedPolicy.load(dir, PROBLEM.model());
      assertThat(p.iterations()).isBetween(0, 1000);
    } catch (InvalidPolicyException e) {
      assertThat(e.getMessage()).startsWith(dir.toString()).doesNotContain("\n");
    }
    try {
      aligner.validate(prompts);
    } catch (UncheckedIOException e) {
      assertThat(e.getCause()).isInstanceOf(InvalidPolicyException.class);
      assertThat(e.getMessage()).contains(dir.toString()).doesNotContain("\n");
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).contains(dir.toString()).contains("another run's manifest");
    }
    assertThat(DirectorySnapshot.of(dir)).as("nothing changed").isEqualTo(before);
  }

  @Test
  void everyTruncation() {
    Fuzz.forEach("manifest truncated at every byte", Fuzz.truncations(manifest), ManifestFuzzTest::property);
  }

  @Test
  void aBitFlippedInEveryByte() {
    Fuzz.forEach("manifest with a bit flipped in every byte", Fuzz.bitFlipAtEveryByte(manifest),
        ManifestFuzzTest::property);
  }

  @Test
  void randomBytes() {
    Fuzz.forAll("manifest of random bytes", 200, r -> Fuzz.bytes(r, r.nextInt(300)), ManifestFuzzTest::property);
  }

  @Test
  void fieldsOfWrongTypesOrMissing() {
    Fuzz.forAll("manifest with a field replaced by a random JSON value or removed", 1500,
        r -> Fuzz.mangledJson(r, manifest), ManifestFuzzTest::property);
  }
}
