package ai.iro.onnx.value;

import static org.assertj.core.api.Assertions.assertThat;

import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.testing.DirectorySnapshot;
import ai.iro.core.testing.Fuzz;
import ai.iro.core.value.FeatureSource;
import ai.iro.core.value.StateBatch;
import ai.iro.core.value.ValueExample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzed value-head files ({@value MlpValueHead#METADATA_FILE}, {@value MlpValueHead#WEIGHTS_FILE}):
 * {@link MlpValueHead#load} either loads a head or throws {@link InvalidPolicyException} with a
 * message naming the file; never another exception, a hang, or a change to a file. A small head
 * (4 features, 4 hidden units) keeps every truncation and every bit flip of its weights affordable.
 */
@Timeout(180)
class HeadFilesFuzzTest {
  private static final FeatureSource SOURCE = new FeatureSource() {
    @Override
    public String id() {
      return "fuzz:4";
    }

    @Override
    public int dimension() {
      return 4;
    }

    @Override
    public float[][] compute(StateBatch states) {
      throw new UnsupportedOperationException("not used by loading");
    }

    @Override
    public List<float[][]> prefixFeatures(List<ValueExample> examples) {
      throw new UnsupportedOperationException("not used by loading");
    }
  };

  @TempDir
  static Path dir;
  private static byte[] metadata;
  private static byte[] weights;

  @BeforeAll
  static void saveAHead() throws IOException {
    SplittableRandom r = new SplittableRandom(1);
    float[][] x = new float[64][4];
    double[] y = new double[64];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < 4; j++) {
        x[i][j] = (float) r.nextGaussian();
      }
      y[i] = x[i][0] - x[i][1];
    }
    try (MlpValueHead head = MlpValueTrainer.builder().features(SOURCE).hiddenSizes(4).epochs(1).build()
        .fit(x, y, 2).head()) {
      head.save(dir);
    }
    metadata = Files.readAllBytes(dir.resolve(MlpValueHead.METADATA_FILE));
    weights = Files.readAllBytes(dir.resolve(MlpValueHead.WEIGHTS_FILE));
  }

  private static Fuzz.Property<byte[]> damaged(String name) {
    return content -> {
      Files.write(dir.resolve(MlpValueHead.METADATA_FILE), name.equals(MlpValueHead.METADATA_FILE) ? content : metadata);
      Files.write(dir.resolve(MlpValueHead.WEIGHTS_FILE), name.equals(MlpValueHead.WEIGHTS_FILE) ? content : weights);
      Map<String, String> before = DirectorySnapshot.of(dir);
      try (MlpValueHead head = MlpValueHead.load(dir, SOURCE)) {
        assertThat(head.layerSizes()).startsWith(4);
      } catch (InvalidPolicyException e) {
        assertThat(e.getMessage()).as("names the file").startsWith(dir.toString());
      }
      assertThat(DirectorySnapshot.of(dir)).as("nothing changed").isEqualTo(before);
    };
  }

  @Test
  void metadataTruncatedFlippedOrMangled() {
    Fuzz.forEach("head.json truncated at every byte", Fuzz.truncations(metadata), damaged(MlpValueHead.METADATA_FILE));
    Fuzz.forEach("head.json with a bit flipped in every byte", Fuzz.bitFlipAtEveryByte(metadata),
        damaged(MlpValueHead.METADATA_FILE));
    Fuzz.forAll("head.json with a field replaced by a random JSON value or removed", 400,
        r -> Fuzz.mangledJson(r, metadata), damaged(MlpValueHead.METADATA_FILE));
  }

  @Test
  void weightsTruncatedOrFlipped() {
    Fuzz.forEach("weights.bin truncated at every byte", Fuzz.truncations(weights), damaged(MlpValueHead.WEIGHTS_FILE));
    Fuzz.forEach("weights.bin with every single bit flipped", Fuzz.bitFlips(weights, 0, weights.length),
        damaged(MlpValueHead.WEIGHTS_FILE));
    Fuzz.forAll("weights.bin of random bytes", 200, r -> Fuzz.bytes(r, r.nextInt(2 * weights.length)),
        damaged(MlpValueHead.WEIGHTS_FILE));
  }
}
