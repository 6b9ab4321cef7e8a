package ai.iro.core.testing;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A small property-based test runner on JUnit Jupiter: a property is checked on inputs drawn from a
 * seeded generator (or listed exhaustively), the number of cases is printed
 * ({@code fuzz NAME: N cases, seed S}), and a failure names the case, its seed and its input, so that
 * it can be replayed with {@code -Diro.fuzz.seed=S}. {@code -Diro.fuzz.scale=F} multiplies the
 * number of generated cases (for a longer run than CI's).
 *
 * <p>Inputs are byte arrays or strings built by the helpers here: random bytes, truncations, bit
 * flips, invalid UTF-8, huge lines, JSON with wrong types.
 */
public final class Fuzz {
  /** Default seed, overridden by {@code -Diro.fuzz.seed}. */
  public static final long DEFAULT_SEED = 0x1F0L;

  private static final ObjectMapper JSON = new ObjectMapper();

  private Fuzz() {}

  /** A check of one input; it may throw anything, which fails the property. */
  @FunctionalInterface
  public interface Property<T> {
    void check(T input) throws Exception;
  }

  /** The seed of this run. */
  public static long seed() {
    return Long.getLong("iro.fuzz.seed", DEFAULT_SEED);
  }

  /** {@code cases} scaled by {@code -Diro.fuzz.scale}, at least 1. */
  public static int scaled(int cases) {
    double scale = Double.parseDouble(System.getProperty("iro.fuzz.scale", "1"));
    return Math.max(1, (int) Math.round(cases * scale));
  }

  /**
   * Checks {@code property} on {@code cases} (scaled) inputs drawn from {@code generator}, each with
   * its own seed derived from the run's.
   *
   * @return the number of cases run
   */
  public static <T> int forAll(String name, int cases, Function<SplittableRandom, T> generator, Property<T> property) {
    int n = scaled(cases);
    SplittableRandom seeds = new SplittableRandom(seed() ^ name.hashCode());
    for (int i = 0; i < n; i++) {
      long caseSeed = seeds.nextLong();
      T input = generator.apply(new SplittableRandom(caseSeed));
      run(name, i, "case seed " + caseSeed, input, property);
    }
    report(name, n);
    return n;
  }

  /**
   * Checks {@code property} on every input of {@code inputs} (an exhaustive list: every truncation,
   * every bit flip).
   *
   * @return the number of cases run
   */
  public static <T> int forEach(String name, List<T> inputs, Property<T> property) {
    for (int i = 0; i < inputs.size(); i++) {
      run(name, i, "exhaustive", inputs.get(i), property);
    }
    report(name, inputs.size());
    return inputs.size();
  }

  private static <T> void run(String name, int index, String origin, T input, Property<T> property) {
    try {
      property.check(input);
    } catch (Throwable e) {
      throw new AssertionError("property '" + name + "' failed on case " + index + " (" + origin + ", run seed "
          + seed() + ") with input " + describe(input) + ": " + e, e);
    }
  }

  private static void report(String name, int cases) {
    System.out.printf("fuzz %s: %d cases, seed %d%n", name, cases, seed());
  }

  private static String describe(Object input) {
    String text = input instanceof byte[] ? new String((byte[]) input, StandardCharsets.ISO_8859_1) : String.valueOf(input);
    text = text.replace("\n", "\\n");
    return text.length() > 300 ? "\"" + text.substring(0, 300) + "...\" (" + text.length() + " chars)" : "\"" + text + "\"";
  }

  // ---- generators ----

  /** {@code length} random bytes. */
  public static byte[] bytes(SplittableRandom r, int length) {
    byte[] out = new byte[length];
    for (int i = 0; i < length; i++) {
      out[i] = (byte) r.nextInt(256);
    }
    return out;
  }

  /** Every prefix of {@code bytes}, from empty to one byte short. */
  public static List<byte[]> truncations(byte[] bytes) {
    List<byte[]> out = new ArrayList<>(bytes.length);
    for (int i = 0; i < bytes.length; i++) {
      out.add(java.util.Arrays.copyOf(bytes, i));
    }
    return out;
  }

  /** Every single-bit flip of {@code bytes} (8 per byte), or of its bytes in {@code [from, to)}. */
  public static List<byte[]> bitFlips(byte[] bytes, int from, int to) {
    List<byte[]> out = new ArrayList<>((to - from) * 8);
    for (int i = from; i < to; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] flipped = bytes.clone();
        flipped[i] ^= (byte) (1 << bit);
        out.add(flipped);
      }
    }
    return out;
  }

  /** For every byte of {@code bytes}, a copy with one bit of that byte flipped (the bit drawn from the run's seed). */
  public static List<byte[]> bitFlipAtEveryByte(byte[] bytes) {
    SplittableRandom r = new SplittableRandom(seed());
    List<byte[]> out = new ArrayList<>(bytes.length);
    for (int i = 0; i < bytes.length; i++) {
      byte[] flipped = bytes.clone();
      flipped[i] ^= (byte) (1 << r.nextInt(8));
      out.add(flipped);
    }
    return out;
  }

  /** {@code bytes} with one random bit flipped. */
  public static byte[] flipOneBit(SplittableRandom r, byte[] bytes) {
    byte[] out = bytes.clone();
    if (out.length > 0) {
      out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8));
    }
    return out;
  }

  /** One of a few kinds of invalid UTF-8: a lone continuation byte, a cut sequence, an overlong form, a surrogate. */
  public static byte[] invalidUtf8(SplittableRandom r) {
    byte[][] kinds = {
        {(byte) 0x80}, {(byte) 0xC3}, {(byte) 0xE2, (byte) 0x82}, {(byte) 0xC0, (byte) 0xAF},
        {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xFF}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80}};
    return kinds[r.nextInt(kinds.length)];
  }

  /** A random JSON value of a random type (string, number, boolean, null, array, object), small. */
  public static String jsonValue(SplittableRandom r, int depth) {
    switch (r.nextInt(depth > 2 ? 6 : 8)) {
      case 0:
        return quoted(text(r, r.nextInt(12)));
      case 1:
        return String.valueOf(r.nextInt(-1000, 1000));
      case 2:
        return r.nextBoolean() ? "1e999" : String.valueOf(r.nextDouble() * 1e6 - 5e5);
      case 3:
        return r.nextBoolean() ? "true" : "false";
      case 4:
        return "null";
      case 5:
        return "\"\"";
      case 6:
        return "[" + jsonValue(r, depth + 1) + (r.nextBoolean() ? ", " + jsonValue(r, depth + 1) : "") + "]";
      default:
        return "{\"k\": " + jsonValue(r, depth + 1) + "}";
    }
  }

  /**
   * The JSON document {@code json} with one of its fields or array elements, at any depth, replaced
   * by a random value of a random type ({@link #jsonValue}) or, one time in four, removed.
   */
  public static byte[] mangledJson(SplittableRandom r, byte[] json) {
    try {
      JsonNode root = JSON.readTree(json);
      List<JsonNode> containers = new ArrayList<>();
      collectContainers(root, containers);
      JsonNode target = containers.get(r.nextInt(containers.size()));
      JsonNode replacement = JSON.readTree(jsonValue(r, 0));
      if (target instanceof ObjectNode) {
        ObjectNode o = (ObjectNode) target;
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        String name = names.get(r.nextInt(names.size()));
        if (r.nextInt(4) == 0) {
          o.remove(name);
        } else {
          o.set(name, replacement);
        }
      } else {
        ((ArrayNode) target).set(r.nextInt(target.size()), replacement);
      }
      return JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void collectContainers(JsonNode node, List<JsonNode> out) {
    if ((node.isObject() || node.isArray()) && node.size() > 0) {
      out.add(node);
    }
    node.forEach(child -> collectContainers(child, out));
  }

  /** {@code text} as a JSON string literal, quotes and escapes included. */
  public static String quoted(String text) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + "\"";
  }

  /** Random text of {@code length} characters: ASCII, controls, accents, CJK, emoji (surrogate pairs). */
  public static String text(SplittableRandom r, int length) {
    StringBuilder b = new StringBuilder();
    String[] pool = {"a", "Z", " ", "\t", "\u0000", "\u001f", "é", "世", "\uD83D\uDE00", "\"", "\\", "{", "}", "\u2028"};
    for (int i = 0; i < length; i++) {
      b.append(r.nextInt(3) == 0 ? pool[r.nextInt(pool.length)] : String.valueOf((char) ('a' + r.nextInt(26))));
    }
    return b.toString();
  }
}
