package ai.iro.core.internal;

import ai.iro.core.IterationMetrics;
import ai.iro.core.data.PromptSplit;
import ai.iro.core.io.InvalidPolicyException;
import ai.iro.core.model.Sampling;
import ai.iro.core.resample.Resamplers;
import ai.iro.core.search.Expansion;
import ai.iro.core.search.Searcher;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The JSON manifest of a policy or checkpoint directory: format version, run identity, seed,
 * search and alignment settings, and one entry per completed iteration (beta, the value
 * function's format and directory, metrics). Immutable and thread safe; {@link #withIteration}
 * returns a longer one.
 */
public final class PolicyManifest {
  /** The manifest's file name inside a policy directory. */
  public static final String FILE_NAME = "manifest.json";
  /** The value of the {@code "format"} field. */
  public static final String FORMAT = "ai.iro.policy";
  /** The format version this library writes and reads. */
  public static final int FORMAT_VERSION = 1;

  /** A value directory's name: one plain path segment, so that a manifest cannot point outside its directory. */
  private static final Pattern PLAIN_NAME = Pattern.compile("(?!\\.\\.?$)[A-Za-z0-9._-]+");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * The alignment settings recorded in a manifest.
   *
   * @param iterations T, the planned iterations
   * @param selection the selection spec ({@code best} or {@code softmax(beta=B)})
   * @param split how prompts are split over iterations
   * @param initialSamples samples per prompt in iteration 1
   * @param batchSize prompts per search call
   */
  public record Settings(int iterations, String selection, PromptSplit split, int initialSamples, int batchSize) {}

  /**
   * One completed iteration.
   *
   * @param beta its beta
   * @param format its value function's {@code SavableValueFunction.format()}
   * @param directory its value function's directory, relative to the policy directory
   * @param metrics what the iteration did
   */
  public record Entry(double beta, String format, String directory, IterationMetrics metrics) {}

  private final String runId;
  private final long seed;
  private final Searcher searcher;
  private final Settings settings;
  private final ImmutableList<Entry> entries;
  private final ImmutableMap<String, String> identity;

  /**
   * Creates a manifest.
   *
   * @param identity what {@code runId} hashes, by name (settings, seed, dataset, reward, trainer),
   *     so that a refused resume can say what differs; empty in manifests written before it existed
   */
  public PolicyManifest(String runId, Map<String, String> identity, long seed, Searcher searcher, Settings settings,
      List<Entry> entries) {
    this.runId = Objects.requireNonNull(runId, "runId");
    this.identity = ImmutableMap.copyOf(identity);
    this.seed = seed;
    this.searcher = Objects.requireNonNull(searcher, "searcher");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.entries = ImmutableList.copyOf(entries);
  }

  /** Identifies the run (settings, seed and dataset) that wrote this manifest. */
  public String runId() {
    return runId;
  }

  /** What the run id hashes, by name, in order; empty for manifests written before it was recorded. */
  public Map<String, String> identity() {
    return identity;
  }

  /** The run's seed. */
  public long seed() {
    return seed;
  }

  /** The search settings of the policy. */
  public Searcher searcher() {
    return searcher;
  }

  /** The alignment settings. */
  public Settings settings() {
    return settings;
  }

  /** The completed iterations, oldest first. */
  public List<Entry> entries() {
    return entries;
  }

  /** Returns this manifest with one more completed iteration. */
  public PolicyManifest withIteration(Entry entry) {
    List<Entry> more = new ArrayList<>(entries);
    more.add(entry);
    return new PolicyManifest(runId, identity, seed, searcher, settings, more);
  }

  /** Returns this manifest keeping only the first {@code n} iterations. */
  public PolicyManifest truncated(int n) {
    return new PolicyManifest(runId, identity, seed, searcher, settings, entries.subList(0, n));
  }

  /** Returns this manifest with other search settings. */
  public PolicyManifest withSearcher(Searcher other) {
    return new PolicyManifest(runId, identity, seed, other, settings, entries);
  }

  /** The JSON text of this manifest. */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("formatVersion", FORMAT_VERSION);
    root.put("runId", runId);
    ObjectNode id = root.putObject("runIdentity");
    identity.forEach(id::put);
    root.put("seed", seed);
    root.set("search", searchJson(searcher));
    ObjectNode s = root.putObject("alignment");
    s.put("iterations", settings.iterations());
    s.put("selection", settings.selection());
    s.put("split", settings.split().name());
    s.put("initialSamples", settings.initialSamples());
    s.put("batchSize", settings.batchSize());
    ArrayNode its = root.putArray("completedIterations");
    for (Entry e : entries) {
      ObjectNode n = its.addObject();
      n.put("beta", e.beta());
      n.put("valueFormat", e.format());
      n.put("valueDirectory", e.directory());
      IterationMetrics m = e.metrics();
      ObjectNode mn = n.putObject("metrics");
      mn.put("iteration", m.iteration());
      mn.put("prompts", m.prompts());
      mn.put("samples", m.samples());
      mn.put("meanSampleReward", m.meanSampleReward());
      mn.put("maxSampleReward", m.maxSampleReward());
      mn.put("meanKeptReward", m.meanKeptReward());
      mn.put("maxKeptReward", m.maxKeptReward());
      mn.put("examples", m.examples());
      mn.put("valueLoss", m.valueLoss());
      mn.put("tokensSampled", m.tokensSampled());
      mn.put("wallTimeMillis", m.wallTime().toMillis());
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot write manifest JSON", e);
    }
  }

  /** The settings part of the JSON that identifies a run, used for {@link #runId()}. */
  public static String searchSpec(Searcher searcher) {
    return searchJson(searcher).toString();
  }

  private static ObjectNode searchJson(Searcher searcher) {
    ObjectNode n = JSON.createObjectNode();
    n.put("beamWidth", searcher.beamWidth());
    n.put("children", searcher.children());
    n.put("chunkLength", searcher.chunkLength());
    n.put("expansion", searcher.expansion().name());
    n.put("maxCandidates", searcher.maxCandidates());
    n.put("resampler", searcher.resampler().spec());
    Sampling sampling = searcher.sampling();
    ObjectNode sn = n.putObject("sampling");
    sn.put("temperature", sampling.temperature());
    sn.put("topP", sampling.topP());
    sn.put("topK", sampling.topK());
    sn.put("maxNewTokens", sampling.maxNewTokens());
    ArrayNode stops = sn.putArray("stopStrings");
    sampling.stopStrings().forEach(stops::add);
    if (!sampling.stopTokenIds().isEmpty()) {
      ArrayNode ids = sn.putArray("stopTokenIds");
      sampling.stopTokenIds().forEach(ids::add);
    }
    return n;
  }

  /**
   * Parses a manifest.
   *
   * @param json the manifest text
   * @param file where it came from, for messages
   * @throws InvalidPolicyException if it is not a manifest of a version this library reads
   */
  public static PolicyManifest parse(String json, Path file) throws InvalidPolicyException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new InvalidPolicyException(file + ": not valid JSON: " + JsonErrors.describe(e), e);
    } catch (IOException e) {
      throw new InvalidPolicyException(file + ": not valid JSON: " + JsonErrors.firstLine(e.getMessage()), e);
    }
    if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
      throw new InvalidPolicyException(file + ": not an IRO policy manifest (expected \"format\": \"" + FORMAT + "\")");
    }
    int version = root.path("formatVersion").asInt(-1);
    if (version != FORMAT_VERSION) {
      throw new InvalidPolicyException(file + ": manifest format version " + root.path("formatVersion")
          + " is not supported; this library reads version " + FORMAT_VERSION);
    }
    try {
      JsonNode s = need(root, "search", file);
      JsonNode sn = need(s, "sampling", file);
      List<String> stops = new ArrayList<>();
      need(sn, "stopStrings", file).forEach(x -> stops.add(x.asText()));
      List<Integer> stopIds = new ArrayList<>();
      sn.path("stopTokenIds").forEach(x -> stopIds.add(x.asInt(-1)));
      Sampling sampling = Sampling.builder()
          .temperature(need(sn, "temperature", file).asDouble())
          .topP(need(sn, "topP", file).asDouble())
          .topK(need(sn, "topK", file).asInt())
          .maxNewTokens(need(sn, "maxNewTokens", file).asInt())
          .stopStrings(stops)
          .stopTokenIds(stopIds)
          .build();
      Searcher searcher = Searcher.builder()
          .beamWidth(need(s, "beamWidth", file).asInt())
          .children(need(s, "children", file).asInt())
          .chunkLength(need(s, "chunkLength", file).asInt())
          .expansion(Expansion.valueOf(need(s, "expansion", file).asText()))
          .maxCandidates(need(s, "maxCandidates", file).asInt())
          .resampler(Resamplers.parse(need(s, "resampler", file).asText()))
          .sampling(sampling)
          .build();
      JsonNode a = need(root, "alignment", file);
      Settings settings = new Settings(
          need(a, "iterations", file).asInt(),
          need(a, "selection", file).asText(),
          PromptSplit.valueOf(need(a, "split", file).asText()),
          need(a, "initialSamples", file).asInt(),
          need(a, "batchSize", file).asInt());
      List<Entry> entries = new ArrayList<>();
      for (JsonNode n : need(root, "completedIterations", file)) {
        JsonNode m = need(n, "metrics", file);
        IterationMetrics metrics = new IterationMetrics(
            need(m, "iteration", file).asInt(), need(m, "prompts", file).asInt(), need(m, "samples", file).asInt(),
            need(m, "meanSampleReward", file).asDouble(), need(m, "maxSampleReward", file).asDouble(),
            need(m, "meanKeptReward", file).asDouble(), need(m, "maxKeptReward", file).asDouble(),
            need(m, "examples", file).asLong(), need(m, "valueLoss", file).asDouble(),
            need(m, "tokensSampled", file).asLong(), Duration.ofMillis(need(m, "wallTimeMillis", file).asLong()));
        String directory = need(n, "valueDirectory", file).asText();
        if (!PLAIN_NAME.matcher(directory).matches()) {
          throw new InvalidPolicyException(file + ": \"valueDirectory\" must name a directory inside the policy "
              + "directory (letters, digits, '.', '_', '-'), found \"" + directory + "\"");
        }
        double beta = need(n, "beta", file).asDouble();
        if (!(beta > 0 && Double.isFinite(beta))) {
          throw new InvalidPolicyException(file + ": \"beta\" of iteration " + (entries.size() + 1)
              + " must be positive and finite, found " + n.get("beta"));
        }
        entries.add(new Entry(beta, need(n, "valueFormat", file).asText(), directory, metrics));
      }
      Map<String, String> identity = new LinkedHashMap<>();
      root.path("runIdentity").fields().forEachRemaining(f -> identity.put(f.getKey(), f.getValue().asText()));
      return new PolicyManifest(need(root, "runId", file).asText(), identity, need(root, "seed", file).asLong(),
          searcher, settings, entries);
    } catch (IllegalArgumentException e) {
      throw new InvalidPolicyException(file + ": invalid setting: " + e.getMessage(), e);
    }
  }

  private static JsonNode need(JsonNode node, String field, Path file) throws InvalidPolicyException {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      throw new InvalidPolicyException(file + ": missing field \"" + field + "\"");
    }
    return v;
  }
}
