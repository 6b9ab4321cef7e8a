package ai.iro.core.data;

import ai.iro.core.internal.JsonErrors;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * An immutable, ordered list of prompts for {@code Aligner.align}. Thread safe.
 *
 * <pre>{@code
 * PromptDataset a = PromptDataset.of(List.of("Tell me a story", "Explain beta"));
 * PromptDataset b = PromptDataset.fromJsonl(Path.of("prompts.jsonl")); // {"prompt": "..."} per line
 * }</pre>
 */
public final class PromptDataset {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final ImmutableList<Prompt> prompts;

  private PromptDataset(List<Prompt> prompts) {
    this.prompts = ImmutableList.copyOf(prompts);
  }

  /** A dataset of the given prompt texts, in order. */
  public static PromptDataset of(List<String> texts) {
    List<Prompt> prompts = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      prompts.add(Prompt.of(Objects.requireNonNull(texts.get(i), "prompt " + i)));
    }
    return new PromptDataset(prompts);
  }

  /** A dataset of the given prompts, in order. */
  public static PromptDataset ofPrompts(List<Prompt> prompts) {
    return new PromptDataset(prompts);
  }

  /**
   * Reads a JSON Lines file (UTF-8): one object per line with a non-blank string field
   * {@code "prompt"}; other fields are kept in {@link Prompt#fields()}. Blank lines are skipped.
   *
   * @throws IOException if the file cannot be read, or it is not UTF-8 text, or a line is not an
   *     object with a non-blank string {@code "prompt"}: the message is one line starting with
   *     {@code FILE:LINE:} (and the column, for JSON syntax errors)
   */
  public static PromptDataset fromJsonl(Path file) throws IOException {
    List<Prompt> prompts = new ArrayList<>();
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    // Lines are split as bytes and decoded one by one, so that a decoding error names its own line.
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      int number = 0;
      boolean more = true;
      while (more) {
        int b = in.read();
        if (b != '\n' && b != -1) {
          bytes.write(b);
          continue;
        }
        more = b != -1;
        if (!more && bytes.size() == 0) {
          break;
        }
        number++;
        String line;
        try {
          line = utf8.decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
          throw new IOException(file + ":" + number + ": not valid UTF-8 text", e);
        }
        bytes.reset();
        if (!line.isBlank()) {
          prompts.add(parseLine(line, file, number));
        }
      }
    }
    return new PromptDataset(prompts);
  }

  private static Prompt parseLine(String line, Path file, int number) throws IOException {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      int column = JsonErrors.column(e);
      throw new IOException(file + ":" + number + (column > 0 ? ":" + column : "") + ": not valid JSON: "
          + JsonErrors.firstLine(e.getOriginalMessage()), e);
    }
    if (node == null || !node.isObject()) {
      throw new IOException(file + ":" + number + ": expected a JSON object with a \"prompt\" string, found "
          + (node == null ? "nothing" : node.getNodeType()));
    }
    JsonNode text = node.get("prompt");
    if (text == null || !text.isTextual()) {
      throw new IOException(file + ":" + number + ": expected a string field \"prompt\", found "
          + (text == null ? "none" : text.getNodeType()));
    }
    if (text.asText().isBlank()) {
      throw new IOException(file + ":" + number + ": the \"prompt\" is " + (text.asText().isEmpty() ? "empty" : "blank")
          + "; every line needs text to continue");
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals("prompt")) {
        fields.put(e.getKey(), JSON.treeToValue(e.getValue(), Object.class));
      }
    }
    return new Prompt(text.asText(), fields);
  }

  /** The prompts, in order. */
  public List<Prompt> prompts() {
    return prompts;
  }

  /** The number of prompts. */
  public int size() {
    return prompts.size();
  }

  /** True when there are no prompts. */
  public boolean isEmpty() {
    return prompts.isEmpty();
  }

  /** The prompt texts, in order. */
  public List<String> texts() {
    return prompts.stream().map(Prompt::text).collect(ImmutableList.toImmutableList());
  }

  /**
   * The prompts of iteration {@code iteration} (1-based) of {@code iterations}. For
   * {@link PromptSplit#FRESH_SLICES} the dataset is shuffled once with {@code orderSeed} (the same
   * seed, the same order: a resumed run sees the same slices) and cut into {@code iterations}
   * equal slices, so that a dataset sorted by topic does not give each iteration one topic; a
   * slice keeps the dataset's order. {@link PromptSplit#REUSE} ignores the seed.
   *
   * @throws IllegalArgumentException if the dataset is empty, or {@link PromptSplit#FRESH_SLICES}
   *     is asked for more slices than there are prompts
   */
  public List<Prompt> promptsFor(int iteration, int iterations, PromptSplit split, long orderSeed) {
    Preconditions.checkArgument(!prompts.isEmpty(), "the prompt dataset is empty");
    Preconditions.checkArgument(iteration >= 1 && iteration <= iterations,
        "iteration must be in [1, %s], found %s", iterations, iteration);
    if (split == PromptSplit.REUSE) {
      return prompts;
    }
    int per = prompts.size() / iterations;
    Preconditions.checkArgument(per >= 1, "FRESH_SLICES needs at least one prompt per iteration: "
        + "%s prompts for %s iterations", prompts.size(), iterations);
    int[] order = shuffledIndices(prompts.size(), orderSeed);
    int[] slice = Arrays.copyOfRange(order, (iteration - 1) * per, iteration * per);
    Arrays.sort(slice);
    List<Prompt> out = new ArrayList<>(per);
    for (int i : slice) {
      out.add(prompts.get(i));
    }
    return List.copyOf(out);
  }

  /** A uniform permutation of {@code 0 .. n - 1} (Fisher-Yates) drawn from {@code seed}. */
  private static int[] shuffledIndices(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    return order;
  }

  /** A hash of the prompt texts, used to tell runs apart in checkpoints. */
  public String fingerprint() {
    Hasher h = Hashing.sha256().newHasher();
    for (Prompt p : prompts) {
      h.putInt(p.text().length()).putString(p.text(), StandardCharsets.UTF_8);
    }
    return h.hash().toString().substring(0, 16);
  }
}
