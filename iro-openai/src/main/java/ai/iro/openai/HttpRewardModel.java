package ai.iro.openai;

import ai.iro.core.reward.RewardModel;
import ai.iro.openai.internal.HttpTransport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BinaryOperator;

/**
 * A reward model served over HTTP: a sequence classifier or reward model behind vLLM's
 * {@code /classify} or {@code /pooling}, or Hugging Face Text Embeddings Inference's
 * {@code /predict}. Pairs are scored in requests of at most {@link Builder#batchSize} texts, one
 * after another, with the {@link Endpoint}'s timeouts and {@link RetryPolicy}; a 4xx other than
 * 429 fails at once with the server's message, and a response with the wrong number of scores, a
 * missing field or a label it does not have fails with an {@link InvalidResponseException}.
 * Thread safe.
 *
 * <pre>{@code
 * // vllm serve Skywork/Skywork-Reward-V2-Qwen3-0.6B --port 8001   (a *ForSequenceClassification model)
 * RewardModel reward = HttpRewardModel.builder()
 *     .endpoint(Endpoint.of("http://gpu-host:8001"))
 *     .protocol(HttpRewardModel.Protocol.VLLM_CLASSIFY)
 *     .model("Skywork/Skywork-Reward-V2-Qwen3-0.6B")
 *     .input((prompt, response) -> chatTemplate(prompt, response))
 *     .build();
 * }</pre>
 */
public final class HttpRewardModel implements RewardModel {
  /** Default: 32 texts per request, TEI's default {@code --max-client-batch-size}. */
  public static final int DEFAULT_BATCH_SIZE = 32;
  /** Default: label (class) 0. */
  public static final int DEFAULT_LABEL = 0;

  /** The server's API, each at its usual path after the endpoint's base URL. */
  public enum Protocol {
    /**
     * vLLM {@code POST /classify} with {@code {"model", "input": [texts]}}: the score of a text is
     * {@code data[i].probs[label]} (after the model's activation: softmax over classes, or sigmoid
     * for one class, unless {@link Builder#rawScores}).
     */
    VLLM_CLASSIFY("/classify"),
    /**
     * vLLM {@code POST /pooling} with {@code {"model", "input": [texts]}}: {@code data[i].data} is a
     * pooled vector, whose element {@code label} is the score, or one vector per token (reward
     * models with ALL pooling), whose last token's element {@code label} is the score.
     */
    VLLM_POOLING("/pooling"),
    /**
     * TEI {@code POST /predict} with {@code {"inputs": [[text], ...], "raw_scores"}} (or text pairs):
     * each text gets a list of {@code {"score", "label"}}; the score is the one of
     * {@link Builder#labelName}, or the only one.
     */
    TEI_PREDICT("/predict");

    private final String path;

    Protocol(String path) {
      this.path = path;
    }

    /** The path after the base URL. */
    public String path() {
      return path;
    }
  }

  private final Endpoint endpoint;
  private final Protocol protocol;
  private final Optional<String> model;
  private final int label;
  private final Optional<String> labelName;
  private final boolean rawScores;
  private final boolean textPairs;
  private final BinaryOperator<String> input;
  private final int batchSize;
  private final HttpTransport transport;

  private HttpRewardModel(Builder b) {
    this.endpoint = b.endpoint;
    this.protocol = b.protocol;
    this.model = Optional.ofNullable(b.model);
    this.label = b.label;
    this.labelName = Optional.ofNullable(b.labelName);
    this.rawScores = b.rawScores;
    this.textPairs = b.textPairs;
    this.input = b.input;
    this.batchSize = b.batchSize;
    this.transport = new HttpTransport(endpoint, endpoint.apiKey(), b.ticker);
  }

  /** Returns a builder; the endpoint and the protocol are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Scores the pairs, in requests of at most the batch size.
   *
   * @throws IllegalArgumentException if the lists differ in length
   * @throws ServerException if a request fails or is answered wrongly
   */
  @Override
  public double[] score(List<String> prompts, List<String> responses) {
    Preconditions.checkArgument(prompts.size() == responses.size(), "%s prompts but %s responses", prompts.size(),
        responses.size());
    double[] out = new double[prompts.size()];
    for (int from = 0; from < out.length; from += batchSize) {
      int to = Math.min(out.length, from + batchSize);
      double[] scores = scoreBatch(prompts.subList(from, to), responses.subList(from, to));
      System.arraycopy(scores, 0, out, from, scores.length);
    }
    return out;
  }

  /** The requests made so far (not counting retries). */
  public long requests() {
    return transport.calls();
  }

  private double[] scoreBatch(List<String> prompts, List<String> responses) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    model.ifPresent(m -> body.put("model", m));
    ArrayNode texts = body.putArray(protocol == Protocol.TEI_PREDICT ? "inputs" : "input");
    for (int i = 0; i < prompts.size(); i++) {
      String prompt = Objects.requireNonNull(prompts.get(i), "prompt");
      String response = Objects.requireNonNull(responses.get(i), "response");
      if (protocol == Protocol.TEI_PREDICT) {
        ArrayNode sequence = texts.addArray();
        if (textPairs) {
          sequence.add(prompt).add(response);
        } else {
          sequence.add(input.apply(prompt, response));
        }
      } else {
        texts.add(input.apply(prompt, response));
      }
    }
    if (rawScores && protocol == Protocol.TEI_PREDICT) {
      body.put("raw_scores", true);
    } else if (rawScores) {
      body.put("use_activation", false);
    }
    HttpTransport.Reply reply = transport.post(protocol.path(), body);
    String what = "POST " + transport.url(protocol.path()) + " (" + prompts.size() + " texts)";
    double[] scores = protocol == Protocol.TEI_PREDICT ? teiScores(reply, what, prompts.size())
        : vllmScores(reply, what, prompts.size());
    for (int i = 0; i < scores.length; i++) {
      if (!Double.isFinite(scores[i])) {
        throw reply.invalid(what + " scored text " + i + " " + scores[i] + ": expected a finite number");
      }
    }
    return scores;
  }

  private double[] vllmScores(HttpTransport.Reply reply, String what, int count) {
    JsonNode data = reply.body().path("data");
    if (!data.isArray() || data.size() != count) {
      throw reply.invalid(what + " answered with " + (data.isArray() ? data.size() + " results" : "no data array")
          + ": expected " + count);
    }
    double[] out = new double[count];
    boolean[] seen = new boolean[count];
    for (JsonNode d : data) {
      JsonNode index = d.path("index");
      if (!index.isIntegralNumber() || index.asInt() < 0 || index.asInt() >= count || seen[index.asInt()]) {
        throw reply.invalid(what + " answered with a result whose index is " + index + ": expected each of 0 to "
            + (count - 1) + " once");
      }
      int i = index.asInt();
      seen[i] = true;
      JsonNode values = protocol == Protocol.VLLM_CLASSIFY ? d.path("probs") : d.path("data");
      if (protocol == Protocol.VLLM_POOLING && values.isArray() && values.size() > 0 && values.get(0).isArray()) {
        values = values.get(values.size() - 1);
      }
      String field = protocol == Protocol.VLLM_CLASSIFY ? "probs" : "data";
      if (!values.isArray() || label >= values.size() || !values.get(label).isNumber()) {
        throw reply.invalid(what + " result " + i + " has no number at " + field + "[" + label + "]: "
            + abbreviate(values));
      }
      out[i] = values.get(label).asDouble();
    }
    return out;
  }

  private double[] teiScores(HttpTransport.Reply reply, String what, int count) {
    JsonNode body = reply.body();
    if (!body.isArray() || body.size() != count) {
      throw reply.invalid(what + " answered with " + (body.isArray() ? body.size() + " predictions" : abbreviate(body))
          + ": expected " + count + " lists of {score, label}");
    }
    double[] out = new double[count];
    for (int i = 0; i < count; i++) {
      JsonNode predictions = body.get(i);
      JsonNode chosen = null;
      List<String> labels = new ArrayList<>();
      for (JsonNode p : predictions) {
        labels.add(p.path("label").asText());
        if (labelName.isPresent() ? labelName.get().equals(p.path("label").asText()) : predictions.size() == 1) {
          chosen = p;
        }
      }
      if (chosen == null || !chosen.path("score").isNumber()) {
        throw reply.invalid(what + " prediction " + i + " has " + (chosen == null ? "no score for label "
            + labelName.map(l -> "\"" + l + "\"").orElse("(none named; set labelName)") : "a score that is not a number")
            + "; its labels are " + labels);
      }
      out[i] = chosen.path("score").asDouble();
    }
    return out;
  }

  private static String abbreviate(JsonNode node) {
    String s = node.toString();
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  @Override
  public String toString() {
    return "HttpRewardModel{" + protocol + model.map(m -> ", model=" + m).orElse("") + ", label="
        + labelName.map(l -> "\"" + l + "\"").orElse(String.valueOf(label)) + ", endpoint=" + endpoint + "}";
  }

  /** Builder of {@link HttpRewardModel}. */
  public static final class Builder {
    private Endpoint endpoint;
    private Protocol protocol;
    private String model;
    private int label = DEFAULT_LABEL;
    private String labelName;
    private boolean rawScores;
    private boolean textPairs;
    private BinaryOperator<String> input = String::concat;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private HttpTransport.Ticker ticker = HttpTransport.Ticker.SYSTEM;

    private Builder() {}

    /** Sets the server (base URL without {@code /v1} for vLLM's {@code /classify}). Required. */
    public Builder endpoint(Endpoint endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      return this;
    }

    /** Sets the server's API. Required. */
    public Builder protocol(Protocol protocol) {
      this.protocol = Objects.requireNonNull(protocol, "protocol");
      return this;
    }

    /** Sets the served model's name (vLLM). Default: none sent, the server's only model. */
    public Builder model(String model) {
      Objects.requireNonNull(model, "model");
      Preconditions.checkArgument(!model.isBlank(), "model must not be blank");
      this.model = model;
      return this;
    }

    /** Sets the class whose probability or value is the score (vLLM), at least 0. Default: {@link HttpRewardModel#DEFAULT_LABEL}. */
    public Builder label(int label) {
      Preconditions.checkArgument(label >= 0, "label must be at least 0, found %s", label);
      this.label = label;
      return this;
    }

    /** Sets the label whose score is the reward (TEI); without it a text must get exactly one score. */
    public Builder labelName(String labelName) {
      this.labelName = Objects.requireNonNull(labelName, "labelName");
      return this;
    }

    /**
     * Asks for scores before the model's activation: TEI's {@code raw_scores}; vLLM's
     * {@code "use_activation": false} on {@code /classify} (recent vLLM). Default: off.
     */
    public Builder rawScores(boolean rawScores) {
      this.rawScores = rawScores;
      return this;
    }

    /** Sends each (prompt, response) as a text pair, for cross-encoder reward models (TEI only). Default: off. */
    public Builder textPairs(boolean textPairs) {
      this.textPairs = textPairs;
      return this;
    }

    /**
     * Sets how a (prompt, response) becomes the text scored, for example a chat template. Default:
     * the prompt immediately followed by the response.
     */
    public Builder input(BinaryOperator<String> input) {
      this.input = Objects.requireNonNull(input, "input");
      return this;
    }

    /** Sets the most texts per request, at least 1. Default: {@link HttpRewardModel#DEFAULT_BATCH_SIZE}. */
    public Builder batchSize(int batchSize) {
      Preconditions.checkArgument(batchSize >= 1, "batchSize must be at least 1, found %s", batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /** Replaces the clock and sleeper of retries, for tests. */
    Builder ticker(HttpTransport.Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Returns the reward model.
     *
     * @throws IllegalStateException if the endpoint or protocol is missing, text pairs are asked of
     *     vLLM, or a label name of vLLM (which numbers its classes)
     */
    public HttpRewardModel build() {
      Preconditions.checkState(endpoint != null, "endpoint is required");
      Preconditions.checkState(protocol != null, "protocol is required");
      Preconditions.checkState(!textPairs || protocol == Protocol.TEI_PREDICT,
          "textPairs is for TEI_PREDICT; vLLM's %s takes single texts", protocol.path());
      Preconditions.checkState(labelName == null || protocol == Protocol.TEI_PREDICT,
          "labelName is for TEI_PREDICT; vLLM numbers its classes: use label(int)");
      return new HttpRewardModel(this);
    }
  }
}
