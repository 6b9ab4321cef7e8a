package ai.iro.openai;

import ai.iro.core.data.ChatMessage;
import ai.iro.core.data.Prompt;
import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.openai.internal.HttpTransport;
import com.google.common.base.Preconditions;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A base model served by an OpenAI-compatible engine, sampled through {@code POST /completions}:
 * the model's weights, KV caches and GPUs stay in the engine (vLLM, SGLang, ...); this JVM keeps
 * each row's prompt and response and sends them again at every chunk.
 *
 * <p><b>Token mode</b> (a {@link Tokenizer} of the served model given): a row is prompt ids plus
 * response ids. Requests send token-id prompts ({@code "prompt": [[ids...], ...]}) and read the ids
 * the server sampled ({@link TokenIds}); a fork continues exactly the tokens its parent sampled,
 * with no re-tokenisation drift. Needs vLLM 0.10.2 or later, or SGLang with
 * {@code return_token_ids}, or older vLLM with {@link TokenIds#LOGPROBS}.
 *
 * <p><b>Text mode</b> (no tokenizer): a row is prompt text plus response text, and any server of
 * the completions API will do. The caveat: every chunk sends the text so far, which the server
 * tokenises anew. Where the sampled tokens are not the tokenizer's own encoding of their text (a
 * word sampled in two pieces, say), the continuation is conditioned on other tokens than those
 * sampled: usually harmless, but not the distribution of one uninterrupted generation. In text mode
 * response "tokens" are Unicode code points: {@link Decoding#responseTokens} and
 * {@link Decoding#responseLength} count characters, {@link #decode} turns code points back into
 * text, while the length limit and {@link Decoding#tokensGenerated()} count the server's tokens
 * (estimated from the text for a continuation that stopped early, which the API does not count).
 *
 * <p><b>One request per chunk.</b> {@link Decoding#extend} sends one request for all live rows of
 * a batch, with {@code max_tokens} = the chunk length (capped by the rows' remaining room),
 * {@code temperature}, {@code top_p}, {@code top_k} (an extension, see
 * {@link Builder#samplingExtensions}), {@code stop} and a seed. Rows in the same state (forks
 * not yet extended, or rows that happened to sample the same tokens) are sent once, and the state is
 * sampled {@code n} times, {@code n} being the most rows any state has; samples beyond a state's rows
 * are dropped (they cost server time and show in {@link #usage()}). {@code reorder} sends nothing.
 *
 * <p><b>Reproducibility.</b> The completions API takes one {@code seed} per request, and vLLM gives
 * every prompt of the list that same seed and, with {@code n > 1}, sample {@code j} of a prompt the
 * seed {@code seed + j} (vLLM's {@code ParentRequest}). Each request's seed is drawn from the batch
 * seed, in order; so the {@code j}-th row of a state gets its own stream, and the same batch seed
 * and calls send the same requests. Whether they come back the same is the server's business: vLLM
 * honours seeds per request, but its numerics may still vary with what else is batched on the GPU
 * (see vLLM's reproducibility notes and its batch-invariant mode). Distinct states in one request
 * share a seed: their samples use common random numbers, correlated where their distributions are
 * close, though never equal unless the states' distributions are. Greedy decoding asks one sample
 * per state. With {@link Builder#seeded} off no seed is sent: samples are independent and runs are
 * not reproducible.
 *
 * <p><b>Equal to a local run.</b> Against {@code iro serve} (or a server that keeps the library's
 * randomness contract) set {@link Builder#seeding} to {@link Seeding#ROW_STREAMS} and give the
 * served model's own prompt encoding as the tokenizer ({@code lm::encodePrompt}, BOS included, since
 * token-id prompts are read verbatim): each request's seed is then the extend seed a local decoding
 * draws at that call, its {@code k}-th live row is the request's row {@code k}, and a search gives the
 * tokens it gives on the same model in this JVM, up to float rounding (the server prefills
 * prompt and response afresh where the local model continues its KV cache).
 *
 * <p><b>Finishing.</b> A row finishes when the server reports {@code finish_reason} "stop" (an
 * end-of-sequence token, whose id token mode keeps in the response, or a stop string), when its
 * text holds a stop string (checked across chunk boundaries; the response is cut right after it,
 * and it stays in the text), or at {@link Sampling#maxNewTokens()} or the model's context.
 *
 * <p>Has no hidden states: {@link Decoding#features()} is empty, so value heads read text features
 * (a sentence encoder). Offers neither {@code candidates} nor {@code force}. Chat models: render
 * the chat template locally with {@link Builder#promptFormat} and the model still uses
 * {@code /completions}. Thread safe; each {@link Decoding} is used by one thread. Failures throw
 * {@link ServerException}, and leave the batch as it was.
 *
 * <pre>{@code
 * TextTokenizer t = TextTokenizer.load(Path.of("Qwen2.5-1.5B/tokenizer.json"));
 * OpenAiCompatibleModel model = OpenAiCompatibleModel.builder()
 *     .endpoint(Endpoint.of("http://gpu-host:8000/v1"))
 *     .model("Qwen/Qwen2.5-1.5B")
 *     .tokenizer(Tokenizer.of(t::encode, t::decode, t.vocabularySize()))
 *     .build();
 * try (Decoding d = model.open(List.of("The capital of France is"), Sampling.defaults(), 42L)) {
 *   d.reorder(new int[] {0, 0, 0, 0});
 *   d.extend(16);
 * }
 * }</pre>
 */
public final class OpenAiCompatibleModel implements BaseModel {
  /** Default: {@link TokenIds#RETURN_TOKEN_IDS}. */
  public static final TokenIds DEFAULT_TOKEN_IDS = TokenIds.RETURN_TOKEN_IDS;
  /** Default: send {@code top_k} and {@code include_stop_str_in_output} (vLLM, SGLang). */
  public static final boolean DEFAULT_SAMPLING_EXTENSIONS = true;
  /** Default: send a seed derived from the batch seed. */
  public static final boolean DEFAULT_SEEDED = true;
  /** Default: sample forks of one state with {@code n}. */
  public static final boolean DEFAULT_PARALLEL_SAMPLING = true;
  /** Default: {@link Seeding#REQUEST}, vLLM's and SGLang's use of a request's seed. */
  public static final Seeding DEFAULT_SEEDING = Seeding.REQUEST;

  /** The default prompt format: the prompt as given. */
  private static final UnaryOperator<String> AS_IS = UnaryOperator.identity();

  private final Endpoint endpoint;
  private final String model;
  private final Optional<Tokenizer> tokenizer;
  private final TokenIds tokenIds;
  private final UnaryOperator<String> promptFormat;
  private final Optional<Function<List<ChatMessage>, String>> chatFormat;
  private final boolean samplingExtensions;
  private final boolean seeded;
  private final boolean parallelSampling;
  private final Seeding seeding;
  private final HttpTransport.Ticker ticker;
  private final HttpTransport transport;
  private final AtomicLong promptTokens = new AtomicLong();
  private final AtomicLong completionTokens = new AtomicLong();

  private OpenAiCompatibleModel(Builder b) {
    this.endpoint = b.endpoint;
    this.model = b.model;
    this.tokenizer = Optional.ofNullable(b.tokenizer);
    this.tokenIds = b.tokenIds;
    this.promptFormat = b.promptFormat;
    this.chatFormat = Optional.ofNullable(b.chatFormat);
    this.samplingExtensions = b.samplingExtensions;
    this.seeded = b.seeded;
    this.parallelSampling = b.parallelSampling;
    this.seeding = b.seeding;
    this.ticker = b.ticker;
    this.transport = new HttpTransport(endpoint, endpoint.apiKey(), ticker);
  }

  /** Returns a builder; the endpoint and the model name are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Returns a builder holding this model's settings (a model built from it has its own connections and usage). */
  public Builder toBuilder() {
    Builder b = new Builder().endpoint(endpoint).model(model).tokenIds(tokenIds).promptFormat(promptFormat)
        .samplingExtensions(samplingExtensions).seeded(seeded).parallelSampling(parallelSampling).seeding(seeding)
        .ticker(ticker);
    tokenizer.ifPresent(b::tokenizer);
    chatFormat.ifPresent(b::chatFormat);
    return b;
  }

  /**
   * Opens a batch; sends nothing yet. In token mode each prompt (after the prompt format) is encoded
   * with the tokenizer here.
   *
   * @throws IllegalArgumentException if there are no prompts, or a prompt encodes to no tokens
   */
  @Override
  public Decoding open(List<String> prompts, Sampling sampling, long seed) {
    return openPrompts(Prompt.ofTexts(prompts), sampling, seed);
  }

  /**
   * {@inheritDoc}
   *
   * <p>With a {@link Builder#chatFormat chat format} every prompt's whole conversation is rendered
   * by it (a text prompt as one user message); without one, plain-text prompts go through the
   * {@link Builder#promptFormat prompt format} and a conversation is refused.
   *
   * @throws UnsupportedOperationException if a prompt is a conversation and no chat format was set
   * @throws IllegalArgumentException if there are no prompts, a prompt encodes to no tokens, or the
   *     sampling has stop token ids and {@link Builder#samplingExtensions} is off
   */
  @Override
  public Decoding openPrompts(List<Prompt> prompts, Sampling sampling, long seed) {
    Objects.requireNonNull(prompts, "prompts");
    Objects.requireNonNull(sampling, "sampling");
    Preconditions.checkArgument(!prompts.isEmpty(), "open needs at least one prompt");
    Preconditions.checkArgument(sampling.stopTokenIds().isEmpty() || samplingExtensions,
        "stop token ids %s are sent as vLLM's stop_token_ids, an extension: they need samplingExtensions(true)",
        sampling.stopTokenIds());
    List<String> sent = chatFormat.isPresent()
        ? prompts.stream().map(p -> Objects.requireNonNull(chatFormat.get().apply(p.conversation()),
            "the chat format returned null")).toList()
        : BaseModel.plainTexts(prompts, toString()).stream().map(this::format).toList();
    return new RemoteDecoding(this, transport, prompts.stream().map(Prompt::text).toList(), sent, sampling, seed);
  }

  /**
   * The text of response tokens: the tokenizer's decoding in token mode; in text mode the tokens are
   * code points.
   *
   * @throws IllegalArgumentException in text mode, if a value is not a Unicode code point
   */
  @Override
  public String decode(int[] tokens) {
    if (tokenizer.isPresent()) {
      return tokenizer.get().decode(tokens);
    }
    StringBuilder sb = new StringBuilder(tokens.length);
    for (int t : tokens) {
      Preconditions.checkArgument(Character.isValidCodePoint(t), "text-mode token %s is not a code point", t);
      sb.appendCodePoint(t);
    }
    return sb.toString();
  }

  /** The server this model is called at. */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** The served model's name, sent as {@code "model"}. */
  public String model() {
    return model;
  }

  /** Whether rows are token ids (a tokenizer was given) rather than text. */
  public boolean isTokenMode() {
    return tokenizer.isPresent();
  }

  /** What this model has cost so far, over all its batches. */
  public Usage usage() {
    return new Usage(transport.calls(), transport.attempts(), promptTokens.get(), completionTokens.get());
  }

  /**
   * Requests and tokens as the server counted them: the prompt tokens it read (each chunk re-sends
   * its prefix, which prefix caching makes cheap but which still counts here) and the completion
   * tokens it sampled, dropped samples included.
   *
   * @param requests completions requests made
   * @param attempts HTTP attempts, retries included
   * @param promptTokens the servers' {@code usage.prompt_tokens}, summed
   * @param completionTokens the servers' {@code usage.completion_tokens}, summed
   */
  public record Usage(long requests, long attempts, long promptTokens, long completionTokens) {}

  Optional<Tokenizer> tokenizer() {
    return tokenizer;
  }

  TokenIds tokenIds() {
    return tokenIds;
  }

  String format(String prompt) {
    return Objects.requireNonNull(promptFormat.apply(prompt), "the prompt format returned null");
  }

  boolean samplingExtensions() {
    return samplingExtensions;
  }

  boolean seeded() {
    return seeded;
  }

  boolean parallelSampling() {
    return parallelSampling;
  }

  Seeding seeding() {
    return seeding;
  }

  void record(long[] usage) {
    promptTokens.addAndGet(usage[0]);
    completionTokens.addAndGet(usage[1]);
  }

  @Override
  public String toString() {
    return "OpenAiCompatibleModel{model=" + model + ", " + (isTokenMode() ? "token mode (" + tokenIds + ")"
        : "text mode") + ", endpoint=" + endpoint + "}";
  }

  /** Builder of {@link OpenAiCompatibleModel}. */
  public static final class Builder {
    private Endpoint endpoint;
    private String model;
    private Tokenizer tokenizer;
    private TokenIds tokenIds = DEFAULT_TOKEN_IDS;
    private UnaryOperator<String> promptFormat = AS_IS;
    private Function<List<ChatMessage>, String> chatFormat;
    private boolean samplingExtensions = DEFAULT_SAMPLING_EXTENSIONS;
    private boolean seeded = DEFAULT_SEEDED;
    private boolean parallelSampling = DEFAULT_PARALLEL_SAMPLING;
    private Seeding seeding = DEFAULT_SEEDING;
    private HttpTransport.Ticker ticker = HttpTransport.Ticker.SYSTEM;

    private Builder() {}

    /** Sets the server: base URL (ending before {@code /completions}, e.g. {@code .../v1}), key, timeouts, retries. Required. */
    public Builder endpoint(Endpoint endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      return this;
    }

    /** Sets the served model's name, as the server lists it under {@code /v1/models}. Required. */
    public Builder model(String model) {
      Objects.requireNonNull(model, "model");
      Preconditions.checkArgument(!model.isBlank(), "model must not be blank");
      this.model = model;
      return this;
    }

    /** Sets the served model's tokenizer, which selects token mode. Default: none (text mode). */
    public Builder tokenizer(Tokenizer tokenizer) {
      this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
      return this;
    }

    /** Sets how token mode asks for sampled ids. Default: {@link OpenAiCompatibleModel#DEFAULT_TOKEN_IDS}. */
    public Builder tokenIds(TokenIds tokenIds) {
      this.tokenIds = Objects.requireNonNull(tokenIds, "tokenIds");
      return this;
    }

    /**
     * Sets what turns a prompt into the text sent (and, in token mode, encoded): for a chat model,
     * its chat template applied to the prompt as the user's message, with the assistant's turn
     * opened. Decodings still report the prompt as given. Default: the prompt unchanged, which
     * suits base models and prompts already rendered.
     */
    public Builder promptFormat(UnaryOperator<String> promptFormat) {
      this.promptFormat = Objects.requireNonNull(promptFormat, "promptFormat");
      return this;
    }

    /**
     * Sets how a conversation becomes the text sent: for a chat model, its chat template rendered
     * with the generation prompt, e.g. {@code messages -> template.render(messages, true)} with
     * {@code ai.iro.onnx.chat.ChatTemplate}. Every prompt goes through it: a chat prompt's whole
     * conversation (system message and earlier turns included), a text prompt as one user message.
     * Decodings still report each prompt's text. Default: none, and a prompt that is a conversation
     * other than one user message is refused; cannot be combined with {@link #promptFormat}.
     */
    public Builder chatFormat(Function<List<ChatMessage>, String> chatFormat) {
      this.chatFormat = Objects.requireNonNull(chatFormat, "chatFormat");
      return this;
    }

    /**
     * Whether to send the extensions vLLM and SGLang accept: {@code top_k} (when the sampling's top-k
     * is positive), {@code include_stop_str_in_output} (when it has stop strings) and
     * {@code stop_token_ids} (when it has stop token ids). Turn off for servers that reject unknown
     * fields; top-k then does not apply, and a sampling with stop token ids is refused. Default:
     * {@link OpenAiCompatibleModel#DEFAULT_SAMPLING_EXTENSIONS}.
     */
    public Builder samplingExtensions(boolean samplingExtensions) {
      this.samplingExtensions = samplingExtensions;
      return this;
    }

    /** Whether to send a seed derived from the batch seed. Default: {@link OpenAiCompatibleModel#DEFAULT_SEEDED}. */
    public Builder seeded(boolean seeded) {
      this.seeded = seeded;
      return this;
    }

    /**
     * Whether rows in one state are sent once and sampled with {@code n}. Off, every live row is
     * its own prompt with {@code n = 1}, for servers without {@code n}; with {@link Seeding#REQUEST}
     * this needs {@code seeded(false)}, since rows with equal prompts and one seed would sample equal
     * tokens. Default: {@link OpenAiCompatibleModel#DEFAULT_PARALLEL_SAMPLING}.
     */
    public Builder parallelSampling(boolean parallelSampling) {
      this.parallelSampling = parallelSampling;
      return this;
    }

    /**
     * Sets what the server does with a request's seed: {@link Seeding#ROW_STREAMS} for
     * {@code iro serve}, whose tokens then equal those of the same model decoding in this JVM.
     * Default: {@link OpenAiCompatibleModel#DEFAULT_SEEDING}.
     */
    public Builder seeding(Seeding seeding) {
      this.seeding = Objects.requireNonNull(seeding, "seeding");
      return this;
    }

    /** Replaces the clock and sleeper of retries, for tests. */
    Builder ticker(HttpTransport.Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /**
     * Returns the model. Nothing is sent until a batch is extended.
     *
     * @throws IllegalStateException if the endpoint or model name is missing, or parallel sampling
     *     is off while seeds are on with {@link Seeding#REQUEST}
     */
    public OpenAiCompatibleModel build() {
      Preconditions.checkState(endpoint != null, "endpoint is required");
      Preconditions.checkState(model != null, "model is required");
      Preconditions.checkState(chatFormat == null || promptFormat == AS_IS,
          "set chatFormat or promptFormat, not both: the chat format renders every prompt");
      Preconditions.checkState(parallelSampling || !seeded || seeding == Seeding.ROW_STREAMS,
          "parallelSampling(false) needs seeded(false): with one seed per request, rows with equal prompts "
              + "(forks) would sample equal tokens");
      return new OpenAiCompatibleModel(this);
    }
  }
}
