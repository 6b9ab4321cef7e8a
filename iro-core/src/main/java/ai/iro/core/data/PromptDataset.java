package ai.iro.core.data;

import ai.iro.core.internal.JsonErrors;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
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
 * PromptDataset b = PromptDataset.fromJsonl(Path.of("prompts.jsonl")); // {"prompt": ...}, {"messages": [...]}
 *                                                                       // or {"instruction": ..., "input": ...}
 * PromptDataset c = PromptDataset.read(Path.of("alpaca_eval.json"));   // a JSON array, or JSON Lines
 * }</pre>
 */
public final class PromptDataset {
  /** The field a chat record's final assistant message is kept in. */
  public static final String REFERENCE = "reference";

  private static final String PROMPT = "prompt";
  private static final String MESSAGES = "messages";
  private static final String INSTRUCTION = "instruction";
  private static final String INPUT = "input";
  private static final String FORMS = "\"prompt\" (a string), \"messages\" (a list of {role, content}) or "
      + "\"instruction\" (a string, with an optional \"input\")";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  /** For the elements of a JSON array, which trailing tokens (the next elements) always follow. */
  private static final ObjectMapper STREAM = new ObjectMapper();

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
   * Reads a JSON Lines file, one record per line (blank lines skipped), each in one of three forms:
   * <ul>
   *   <li>{@code {"prompt": "..."}}: a plain-text prompt;</li>
   *   <li>{@code {"messages": [{"role": "system", "content": "..."}, {"role": "user", "content": "..."}]}}:
   *       a chat prompt ({@link Prompt#chat}); a final assistant message (a reference answer) is
   *       taken out of the conversation and kept in the fields as {@value #REFERENCE};</li>
   *   <li>{@code {"instruction": "...", "input": "..."}} (Alpaca, AlpacaEval): a plain-text prompt,
   *       the instruction followed by a blank line and the input when the input is not empty.</li>
   * </ul>
   * The record's other fields are kept in {@link Prompt#fields()}.
   *
   * @throws IOException if the file cannot be read, it is not UTF-8 text, or a line is not one of
   *     these records, or its prompt is blank: the message is one line starting with
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
          prompts.add(record(parseLine(line, file, number), file + ":" + number));
        }
      }
    }
    return new PromptDataset(prompts);
  }

  private static JsonNode parseLine(String line, Path file, int number) throws IOException {
    try {
      return JSON.readTree(line);
    } catch (JsonProcessingException e) {
      int column = JsonErrors.column(e);
      throw new IOException(file + ":" + number + (column > 0 ? ":" + column : "") + ": not valid JSON: "
          + JsonErrors.firstLine(e.getOriginalMessage()), e);
    }
  }

  /**
   * Reads a JSON file holding an array of records of the forms {@link #fromJsonl} reads (AlpacaEval
   * publishes its evaluation set so).
   *
   * @throws IOException if the file cannot be read, is not a JSON array, or an element is not one of
   *     those records (the message names the file, the element's line and its index)
   */
  public static PromptDataset fromJson(Path file) throws IOException {
    List<Prompt> prompts = new ArrayList<>();
    try (JsonParser parser = STREAM.createParser(file.toFile())) {
      try {
        if (parser.nextToken() != JsonToken.START_ARRAY) {
          throw new IOException(file + ":" + parser.currentLocation().getLineNr()
              + ": expected a JSON array of records");
        }
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          if (parser.currentToken() == null) {
            throw new IOException(file + ": the JSON array is not closed");
          }
          int line = parser.currentLocation().getLineNr();
          JsonNode node = STREAM.readTree(parser);
          prompts.add(record(node, file + ":" + line + " (element " + index + ")"));
          index++;
        }
      } catch (JsonProcessingException e) {
        throw new IOException(file + (e.getLocation() == null ? "" : ":" + e.getLocation().getLineNr())
            + ": not valid JSON: " + JsonErrors.firstLine(e.getOriginalMessage()), e);
      }
    }
    return new PromptDataset(prompts);
  }

  /**
   * Reads {@code file} as a JSON array ({@link #fromJson}) when its first non-blank character is
   * {@code [}, else as JSON Lines ({@link #fromJsonl}).
   */
  public static PromptDataset read(Path file) throws IOException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      int c;
      do {
        c = in.read();
      } while (c >= 0 && Character.isWhitespace(c));
      return c == '[' ? fromJson(file) : fromJsonl(file);
    }
  }

  /** One record; {@code where} names its file and line for messages. */
  private static Prompt record(JsonNode node, String where) throws IOException {
    if (node == null || !node.isObject()) {
      throw new IOException(where + ": expected a JSON object with " + FORMS);
    }
    List<String> forms = new ArrayList<>();
    for (String key : List.of(PROMPT, MESSAGES, INSTRUCTION)) {
      if (node.has(key)) {
        forms.add(key);
      }
    }
    if (forms.size() != 1) {
      List<String> keys = new ArrayList<>();
      node.fieldNames().forEachRemaining(keys::add);
      throw new IOException(where + ": expected exactly one of " + FORMS + ", found "
          + (forms.isEmpty() ? "none of them (keys: " + keys + ")" : forms));
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals(forms.get(0)) && !(forms.get(0).equals(INSTRUCTION) && e.getKey().equals(INPUT))) {
        fields.put(e.getKey(), JSON.treeToValue(e.getValue(), Object.class));
      }
    }
    switch (forms.get(0)) {
      case PROMPT -> {
        return new Prompt(nonBlank(node, PROMPT, where), fields);
      }
      case INSTRUCTION -> {
        String instruction = nonBlank(node, INSTRUCTION, where);
        String input = node.has(INPUT) && !node.get(INPUT).isNull() ? string(node, INPUT, where) : "";
        return new Prompt(input.isEmpty() ? instruction : instruction + "\n\n" + input, fields);
      }
      default -> {
        return chat(node.get(MESSAGES), fields, where);
      }
    }
  }

  private static Prompt chat(JsonNode array, Map<String, Object> fields, String where) throws IOException {
    if (!array.isArray() || array.isEmpty()) {
      throw new IOException(where + ": \"messages\" must be a non-empty list of {\"role\", \"content\"}, found "
          + (array.isArray() ? "an empty list" : array.getNodeType()));
    }
    List<ChatMessage> messages = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      JsonNode m = array.get(i);
      String at = where + ": message " + i;
      if (!m.isObject()) {
        throw new IOException(at + " must be an object with \"role\" and \"content\", found " + m.getNodeType());
      }
      messages.add(new ChatMessage(string(m, "role", at), string(m, "content", at)));
    }
    ChatMessage last = messages.get(messages.size() - 1);
    if (last.role().equals(ChatMessage.ASSISTANT)) {
      fields.put(REFERENCE, last.content());
      messages.remove(messages.size() - 1);
    }
    if (messages.isEmpty() || !messages.get(messages.size() - 1).role().equals(ChatMessage.USER)) {
      throw new IOException(where + ": a chat prompt must end with a user message (or a user message and an "
          + "assistant reference), found roles " + messages.stream().map(ChatMessage::role).toList()
          + (fields.containsKey(REFERENCE) ? " before the final assistant message" : ""));
    }
    return Prompt.chat(messages, fields);
  }

  private static String nonBlank(JsonNode node, String key, String where) throws IOException {
    String text = string(node, key, where);
    if (text.isBlank()) {
      throw new IOException(where + ": the \"" + key + "\" is " + (text.isEmpty() ? "empty" : "blank")
          + "; every line needs text to continue");
    }
    return text;
  }

  private static String string(JsonNode node, String key, String where) throws IOException {
    JsonNode v = node.get(key);
    if (v == null || !v.isTextual()) {
      throw new IOException(where + ": \"" + key + "\" must be a string, found " + (v == null ? "none" : v.getNodeType()));
    }
    return v.asText();
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

  /** A hash of the prompt texts (and conversations of chat prompts), used to tell runs apart in checkpoints. */
  public String fingerprint() {
    Hasher h = Hashing.sha256().newHasher();
    for (Prompt p : prompts) {
      h.putInt(p.text().length()).putString(p.text(), StandardCharsets.UTF_8);
      // Chat prompts also hash their conversation; plain prompts hash as they always have.
      for (ChatMessage m : p.messages()) {
        h.putInt(m.role().length()).putString(m.role(), StandardCharsets.UTF_8);
        h.putInt(m.content().length()).putString(m.content(), StandardCharsets.UTF_8);
      }
    }
    return h.hash().toString().substring(0, 16);
  }
}
