package ai.iro.onnx.value;

import static ai.iro.onnx.value.MlpValueHead.FORMAT;
import static ai.iro.onnx.value.MlpValueHead.FORMAT_VERSION;
import static ai.iro.onnx.value.MlpValueHead.METADATA_FILE;
import static ai.iro.onnx.value.MlpValueHead.WEIGHTS_FILE;

import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.value.FeatureSource;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The files of a saved {@link MlpValueHead}: {@value MlpValueHead#METADATA_FILE} (JSON: format,
 * feature source, layer sizes, activation, loss, the weights file's CRC32) and
 * {@value MlpValueHead#WEIGHTS_FILE} (binary, big-endian, ending in its own CRC32). Reading checks
 * everything it can and names the file and the fault.
 */
final class MlpHeadFiles {
  /** The first bytes of a weights file. */
  private static final byte[] MAGIC = "IRO.MLPH".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_LAYERS = 64;
  private static final int MAX_WIDTH = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private MlpHeadFiles() {}

  /** Writes the two files of a head on {@code source}'s features into {@code directory}. */
  static void save(FeatureSource source, Loss loss, Mlp mlp, Path directory) throws IOException {
    byte[] weights = weightBytes(mlp);
    CRC32 crc = new CRC32();
    crc.update(weights, 0, weights.length - 4);
    Files.write(directory.resolve(WEIGHTS_FILE), weights);

    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("formatVersion", FORMAT_VERSION);
    root.put("featureSource", source.id());
    root.put("dimension", mlp.inputs());
    ArrayNode sizes = root.putArray("layerSizes");
    for (int s : mlp.sizes) {
      sizes.add(s);
    }
    root.put("activation", mlp.activation.name());
    root.put("loss", loss.name());
    root.put("weightsFile", WEIGHTS_FILE);
    root.put("weightsCrc32", crc.getValue());
    Files.writeString(directory.resolve(METADATA_FILE), JSON.writeValueAsString(root) + "\n");
  }

  /**
   * The weights file: the magic bytes, the format version, the layer count and sizes, the
   * standardisation (means, standard deviations), each layer's weights (row-major, inputs by
   * outputs) and biases as float32, and finally the CRC32 of everything before it; big-endian.
   */
  private static byte[] weightBytes(Mlp mlp) {
    int[] sizes = mlp.sizes;
    ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(fileBytes(sizes)));
    buf.put(MAGIC).putInt(FORMAT_VERSION).putInt(sizes.length - 1);
    for (int s : sizes) {
      buf.putInt(s);
    }
    putFloats(buf, mlp.mean);
    putFloats(buf, mlp.std);
    for (int l = 0; l < mlp.layers(); l++) {
      putFloats(buf, mlp.weights[l].dup('c').data().asFloat());
      putFloats(buf, mlp.biases[l].dup('c').data().asFloat());
    }
    CRC32 crc = new CRC32();
    crc.update(buf.array(), 0, buf.position());
    buf.putInt((int) crc.getValue());
    return buf.array();
  }

  /** The length of the weights file of a network with these layer sizes. */
  private static long fileBytes(int[] sizes) {
    long floats = 2L * sizes[0];
    for (int l = 0; l + 1 < sizes.length; l++) {
      floats += (long) sizes[l] * sizes[l + 1] + sizes[l + 1];
    }
    long header = MAGIC.length + 4 + 4 + 4L * sizes.length;
    return header + 4 * floats + 4;
  }

  private static void putFloats(ByteBuffer buf, float[] values) {
    for (float v : values) {
      buf.putFloat(v);
    }
  }

  /**
   * Reads a head written by {@link #save}.
   *
   * @throws InvalidPolicyException naming the file, if a file is missing, corrupt, truncated, of
   *     another format or version, or the head was trained on other features
   */
  static MlpValueHead load(Path directory, FeatureSource source) throws IOException {
    Path metaFile = directory.resolve(METADATA_FILE);
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(metaFile));
    } catch (NoSuchFileException e) {
      throw new InvalidPolicyException(metaFile + ": missing; expected the metadata of an MLP value head", e);
    } catch (IOException e) {
      throw new InvalidPolicyException(metaFile + ": not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
      throw new InvalidPolicyException(metaFile + ": not an MLP value head (expected \"format\": \""
          + FORMAT + "\", found " + (root == null || !root.isObject() ? "no object" : root.path("format")) + ")");
    }
    if (root.path("formatVersion").asInt(-1) != FORMAT_VERSION) {
      throw new InvalidPolicyException(metaFile + ": MLP value head format version " + root.path("formatVersion")
          + " is not supported; this library reads version " + FORMAT_VERSION);
    }
    String featureSource = need(root, "featureSource", metaFile).asText();
    if (!featureSource.equals(source.id())) {
      throw new InvalidPolicyException(metaFile + ": the head was trained on features \"" + featureSource
          + "\" but the given feature source is \"" + source.id() + "\"");
    }
    int dimension = need(root, "dimension", metaFile).asInt(-1);
    if (dimension != source.dimension()) {
      throw new InvalidPolicyException(metaFile + ": the head takes " + dimension
          + " features but the feature source " + source.id() + " has " + source.dimension());
    }
    JsonNode sizesNode = need(root, "layerSizes", metaFile);
    if (!sizesNode.isArray() || sizesNode.size() < 2 || sizesNode.size() > MAX_LAYERS + 1) {
      throw new InvalidPolicyException(metaFile + ": \"layerSizes\" must be an array of 2 to "
          + (MAX_LAYERS + 1) + " sizes, found " + sizesNode);
    }
    int[] sizes = new int[sizesNode.size()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = sizesNode.get(i).asInt(-1);
    }
    if (sizes[0] != dimension || sizes[sizes.length - 1] != 1
        || Arrays.stream(sizes).anyMatch(s -> s < 1 || s > MAX_WIDTH)) {
      throw new InvalidPolicyException(metaFile + ": \"layerSizes\" must run from the dimension " + dimension
          + " to 1 with positive widths, found " + sizesNode);
    }
    Activation activation = parseEnum(Activation.class, need(root, "activation", metaFile).asText(), "activation", metaFile);
    Loss loss = parseEnum(Loss.class, need(root, "loss", metaFile).asText(), "loss", metaFile);
    long expectedCrc = need(root, "weightsCrc32", metaFile).asLong(-1);

    Path weightsFile = directory.resolve(WEIGHTS_FILE);
    return new MlpValueHead(source, loss, readWeights(weightsFile, sizes, activation, expectedCrc, metaFile));
  }

  private static Mlp readWeights(Path file, int[] sizes, Activation activation, long expectedCrc, Path metaFile)
      throws IOException {
    long expectedBytes = fileBytes(sizes);
    long actualBytes;
    try {
      actualBytes = Files.size(file);
    } catch (NoSuchFileException e) {
      throw new InvalidPolicyException(file + ": missing; expected the weights of an MLP value head", e);
    }
    if (actualBytes < MAGIC.length) {
      throw new InvalidPolicyException(file + ": truncated: " + actualBytes + " bytes, expected " + expectedBytes);
    }
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    byte[] magic = new byte[MAGIC.length];
    buf.get(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new InvalidPolicyException(file + ": not an MLP value head weights file (it does not start with \""
          + new String(MAGIC, StandardCharsets.US_ASCII) + "\")");
    }
    if (bytes.length != expectedBytes) {
      throw new InvalidPolicyException(file + ": " + (bytes.length < expectedBytes ? "truncated" : "too long")
          + ": " + bytes.length + " bytes, expected " + expectedBytes + " for layer sizes " + Arrays.toString(sizes));
    }
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - 4);
    int storedCrc = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
    if (storedCrc != (int) crc.getValue()) {
      throw new InvalidPolicyException(file + ": corrupt: checksum mismatch (CRC32 "
          + Long.toHexString(Integer.toUnsignedLong(storedCrc)) + " stored, "
          + Long.toHexString(crc.getValue()) + " computed)");
    }
    if (Integer.toUnsignedLong(storedCrc) != expectedCrc) {
      throw new InvalidPolicyException(file + ": does not belong to " + metaFile + " (CRC32 "
          + Long.toHexString(Integer.toUnsignedLong(storedCrc)) + ", the metadata expects "
          + Long.toHexString(expectedCrc) + ")");
    }
    int version = buf.getInt();
    int layers = buf.getInt();
    if (version != FORMAT_VERSION || layers != sizes.length - 1) {
      throw new InvalidPolicyException(file + ": weights of version " + version + " with " + layers
          + " layers, expected version " + FORMAT_VERSION + " with " + (sizes.length - 1));
    }
    for (int i = 0; i < sizes.length; i++) {
      int s = buf.getInt();
      if (s != sizes[i]) {
        throw new InvalidPolicyException(file + ": layer sizes differ from " + metaFile + " at position " + i
            + ": " + s + ", expected " + sizes[i]);
      }
    }
    float[] mean = getFloats(buf, sizes[0], file, "means");
    float[] std = getFloats(buf, sizes[0], file, "standard deviations");
    for (int j = 0; j < std.length; j++) {
      if (!(std[j] > 0)) {
        throw new InvalidPolicyException(file + ": standard deviation " + j + " is " + std[j] + ", expected positive");
      }
    }
    INDArray[] weights = new INDArray[sizes.length - 1];
    INDArray[] biases = new INDArray[sizes.length - 1];
    for (int l = 0; l < weights.length; l++) {
      weights[l] = Nd4j.create(getFloats(buf, sizes[l] * sizes[l + 1], file, "weights of layer " + l),
          new long[] {sizes[l], sizes[l + 1]}, DataType.FLOAT);
      biases[l] = Nd4j.create(getFloats(buf, sizes[l + 1], file, "biases of layer " + l),
          new long[] {1, sizes[l + 1]}, DataType.FLOAT);
    }
    return new Mlp(sizes, activation, mean, std, weights, biases);
  }

  private static float[] getFloats(ByteBuffer buf, int n, Path file, String what) throws InvalidPolicyException {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = buf.getFloat();
      if (!Float.isFinite(out[i])) {
        throw new InvalidPolicyException(file + ": the " + what + " hold a non-finite value " + out[i] + " at " + i);
      }
    }
    return out;
  }

  private static JsonNode need(JsonNode node, String field, Path file) throws InvalidPolicyException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new InvalidPolicyException(file + ": missing field \"" + field + "\"");
    }
    return v;
  }

  private static <E extends Enum<E>> E parseEnum(Class<E> type, String name, String field, Path file)
      throws InvalidPolicyException {
    try {
      return Enum.valueOf(type, name);
    } catch (IllegalArgumentException e) {
      throw new InvalidPolicyException(file + ": unknown " + field + " \"" + name + "\", expected one of "
          + Arrays.toString(type.getEnumConstants()), e);
    }
  }
}
