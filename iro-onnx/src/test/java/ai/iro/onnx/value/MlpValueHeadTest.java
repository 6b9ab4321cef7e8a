package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.value.State;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueFunction;
import ai.iro.core.value.ValueFunctionLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scoring, saving and loading heads; broken files get an InvalidPolicyException naming the file. */
class MlpValueHeadTest {
  private static final int DIMENSION = 12;
  private static final CountingFeatures SOURCE = new CountingFeatures("fake:head", DIMENSION);
  private static Synthetic data;
  private static MlpValueHead head;

  @TempDir
  Path tmp;

  @BeforeAll
  static void train() {
    data = Synthetic.linear(500, DIMENSION, 0.1, 1, 2);
    head = MlpValueTrainer.builder().features(SOURCE).hiddenSizes(16, 8).epochs(2).build()
        .fit(data.x, data.y, 3).head();
  }

  private Path saved(String name) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    head.save(dir);
    return dir;
  }

  @Test
  void scoringLeavesBlasOnOneThreadAndTrainingRestoresItsOwnCount() {
    double[] before = head.values(data.x);
    assertThat(NativeThreads.blasThreads()).isEqualTo(1);
    MlpValueTrainer.builder().features(SOURCE).hiddenSizes(4).epochs(1).build().fit(data.x, data.y, 5).head().close();
    assertThat(NativeThreads.blasThreads()).isEqualTo(NativeThreads.trainingBlasThreads());
    // Scoring after a training in between gives the same scores.
    assertThat(head.values(data.x)).isEqualTo(before);
  }

  @Test
  void saveThenLoadPredictsIdentically() throws IOException {
    Path dir = saved("head");

    ValueFunctionLoader loader = MlpValueHead.loader(SOURCE);
    ValueFunction loaded = loader.load(dir);

    assertThat(loader.format()).isEqualTo(head.format()).isEqualTo(MlpValueHead.FORMAT);
    assertThat(loaded).isInstanceOf(MlpValueHead.class);
    MlpValueHead again = (MlpValueHead) loaded;
    assertThat(again.values(data.x)).isEqualTo(head.values(data.x));
    assertThat(again.layerSizes()).isEqualTo(head.layerSizes());
    assertThat(again.loss()).isEqualTo(head.loss());
    assertThat(again.activation()).isEqualTo(head.activation());
    String json = Files.readString(dir.resolve(MlpValueHead.METADATA_FILE));
    assertThat(json).contains("\"format\" : \"iro.mlp-head\"").contains("\"featureSource\" : \"fake:head\"");
  }

  @Test
  void savedHeadReloadsAfterSaveOfTheReloaded() throws IOException {
    Path dir = saved("first");
    Path second = Files.createDirectories(tmp.resolve("second"));
    MlpValueHead.load(dir, SOURCE).save(second);

    assertThat(Files.readAllBytes(second.resolve(MlpValueHead.WEIGHTS_FILE)))
        .isEqualTo(Files.readAllBytes(dir.resolve(MlpValueHead.WEIGHTS_FILE)));
  }

  @Test
  void truncatedWeightsAreRejected() throws IOException {
    Path dir = saved("truncated");
    Path weights = dir.resolve(MlpValueHead.WEIGHTS_FILE);
    byte[] bytes = Files.readAllBytes(weights);
    Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 10));

    assertThatThrownBy(() -> MlpValueHead.load(dir, SOURCE))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(weights.toString()).hasMessageContaining("truncated")
        .hasMessageContaining("expected " + bytes.length);
  }

  @Test
  void corruptWeightsAreRejected() throws IOException {
    Path dir = saved("corrupt");
    Path weights = dir.resolve(MlpValueHead.WEIGHTS_FILE);
    byte[] bytes = Files.readAllBytes(weights);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(weights, bytes);

    assertThatThrownBy(() -> MlpValueHead.load(dir, SOURCE))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(weights.toString()).hasMessageContaining("corrupt").hasMessageContaining("checksum");
  }

  @Test
  void randomBytesAreNotWeights() throws IOException {
    Path dir = saved("foreign");
    Path weights = dir.resolve(MlpValueHead.WEIGHTS_FILE);
    byte[] noise = new byte[(int) Files.size(weights)];
    new SplittableRandom(1).nextBytes(noise);
    Files.write(weights, noise);

    assertThatThrownBy(() -> MlpValueHead.load(dir, SOURCE))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(weights.toString()).hasMessageContaining("not an MLP value head weights file");
  }

  @Test
  void weightsOfAnotherHeadAreRejected() throws IOException {
    Path dir = saved("mine");
    Path otherDir = Files.createDirectories(tmp.resolve("other"));
    try (MlpValueHead other = MlpValueTrainer.builder().features(SOURCE).hiddenSizes(16, 8).epochs(1).build()
        .fit(data.x, data.y, 99).head()) {
      other.save(otherDir);
    }
    Path weights = dir.resolve(MlpValueHead.WEIGHTS_FILE);
    Files.copy(otherDir.resolve(MlpValueHead.WEIGHTS_FILE), weights, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    assertThatThrownBy(() -> MlpValueHead.load(dir, SOURCE))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(weights.toString()).hasMessageContaining("does not belong");
  }

  @Test
  void metadataOfAnotherFormatIsRejected() throws IOException {
    Path dir = saved("policy");
    Path meta = dir.resolve(MlpValueHead.METADATA_FILE);
    Files.writeString(meta, "{\"format\": \"ai.iro.policy\", \"formatVersion\": 1}");

    assertThatThrownBy(() -> MlpValueHead.load(dir, SOURCE))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(meta.toString()).hasMessageContaining("not an MLP value head")
        .hasMessageContaining("ai.iro.policy");

    Files.write(meta, new byte[] {0, 1, 2, (byte) 0xff});
    assertThatThrownBy(() -> MlpValueHead.load(dir, SOURCE))
        .isInstanceOf(InvalidPolicyException.class).hasMessageContaining(meta.toString());
  }

  @Test
  void otherVersionIsRejected() throws IOException {
    Path dir = saved("version");
    Path meta = dir.resolve(MlpValueHead.METADATA_FILE);
    Files.writeString(meta, Files.readString(meta).replace("\"formatVersion\" : 1", "\"formatVersion\" : 7"));

    assertThatThrownBy(() -> MlpValueHead.load(dir, SOURCE))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(meta.toString()).hasMessageContaining("version 7");
  }

  @Test
  void anotherFeatureSourceIsRejected() throws IOException {
    Path dir = saved("source");
    Path meta = dir.resolve(MlpValueHead.METADATA_FILE);

    assertThatThrownBy(() -> MlpValueHead.loader(new CountingFeatures("model:other:last_hidden_state:12", DIMENSION)).load(dir))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(meta.toString()).hasMessageContaining("fake:head")
        .hasMessageContaining("model:other:last_hidden_state:12");
    assertThatThrownBy(() -> MlpValueHead.load(dir, new CountingFeatures("fake:head", DIMENSION + 1)))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(meta.toString()).hasMessageContaining("12 features").hasMessageContaining("13");
  }

  @Test
  void missingFilesAreNamed() throws IOException {
    Path dir = saved("missing");
    Files.delete(dir.resolve(MlpValueHead.WEIGHTS_FILE));
    assertThatThrownBy(() -> MlpValueHead.load(dir, SOURCE))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(dir.resolve(MlpValueHead.WEIGHTS_FILE).toString()).hasMessageContaining("missing");

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> MlpValueHead.load(empty, SOURCE))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining(empty.resolve(MlpValueHead.METADATA_FILE).toString()).hasMessageContaining("missing");
  }

  @Test
  void scoresStatesThroughTheFeatureSource() {
    List<State> states = List.of(State.of("good a", new int[] {1, 2}, "ab"), State.of("bad", new int[0], ""));
    StateBatch batch = new StateBatch(states);
    float[][] rows = {SOURCE.of("good a", new int[] {1, 2}, 2), SOURCE.of("bad", new int[0], 0)};

    assertThat(head.values(batch)).isEqualTo(head.values(rows));
    assertThat(head.values(new StateBatch(List.of()))).isEmpty();
  }

  @Test
  void rejectsRowsOfAnotherLength() {
    assertThatThrownBy(() -> head.values(new float[][] {new float[DIMENSION + 1]}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("13 values, expected 12");
  }

  @Test
  void closedHeadRefusesWork() throws IOException {
    MlpValueHead copy = MlpValueHead.load(saved("closing"), SOURCE);
    copy.close();
    copy.close();

    assertThatThrownBy(() -> copy.values(data.x)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> copy.save(tmp)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void metadataIsReadableJson() throws IOException {
    String json = new String(Files.readAllBytes(saved("json").resolve(MlpValueHead.METADATA_FILE)), StandardCharsets.UTF_8);
    assertThat(json).contains("\"layerSizes\" : [ 12, 16, 8, 1 ]").contains("\"activation\" : \"RELU\"")
        .contains("\"loss\" : \"MSE\"").contains("\"dimension\" : 12");
  }
}
