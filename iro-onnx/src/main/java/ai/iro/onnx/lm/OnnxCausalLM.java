package ai.iro.onnx.lm;

import ai.iro.core.data.Prompt;
import ai.iro.core.model.BaseModel;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.Sampling;
import ai.iro.onnx.chat.ChatTemplate;
import ai.iro.onnx.features.ModelFeatures;
import ai.iro.onnx.runtime.ExecutionOptions;
import ai.iro.onnx.text.TextTokenizer;
import com.google.common.base.Preconditions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A causal language model exported to ONNX in the Hugging Face Optimum / transformers.js
 * decoder-with-past layout, run with ONNX Runtime: the {@link BaseModel} of real models.
 *
 * <p>The model directory holds {@code model.onnx} (or {@code onnx/model.onnx}, or
 * {@code decoder_model_merged.onnx}, or Optimum's older pair {@code decoder_model.onnx} (first pass)
 * and {@code decoder_with_past_model.onnx} (steps), or the variant {@link Builder#variant} names,
 * such as {@code onnx/model_q4.onnx}; weights inline or in an external-data file beside the graph
 * such as {@code model.onnx_data}), {@code config.json}, optionally {@code generation_config.json}
 * (BOS and end-of-sequence ids, an int or a list), and {@code tokenizer.json}. The graph takes
 * {@code input_ids}, {@code attention_mask}, optionally {@code position_ids} and
 * {@code use_cache_branch} (merged graphs), and {@code past_key_values.{i}.key} / {@code .value}
 * (float32 or float16 {@code [batch, kv_heads, past, head_size]}, past length 0 for a fresh
 * prompt), optionally {@code num_logits_to_keep} or {@code logits_to_keep}; it returns
 * {@code logits} (float32 or float16), {@code present.{i}.key} / {@code .value} and, when exported, a hidden-state output
 * ({@link #HIDDEN_OUTPUTS}), whose value at each row's last token becomes {@link Decoding#features()}.
 * The number of layers, key/value heads and the head size are read from the graph, never assumed.
 *
 * <p>Prompts start with the special tokens that transformers' tokenizer adds to a single text:
 * {@code tokenizer_config.json}'s {@code add_bos_token} / {@code add_eos_token} where the tokenizer
 * class or the file uses them, else {@code tokenizer.json}'s {@code post_processor} (for example
 * {@code TemplateProcessing} adding {@code <s>} for Llama 2, nothing for GPT-2 or Qwen); never
 * config.json's {@code bos_token_id} alone. {@link Builder#prependBos} overrides that.
 *
 * <pre>{@code
 * try (OnnxCausalLM lm = OnnxCausalLM.builder().modelDirectory(Path.of("models/kjv-tiny")).build();
 *      Decoding d = lm.open(List.of("And God said"), Sampling.defaults(), 42L)) {
 *   d.reorder(new int[] {0, 0, 0, 0});   // four samples share the prompt's KV cache
 *   d.extend(32);
 *   System.out.println(d.responseText(0));
 * }
 * }</pre>
 *
 * <p>Decoding keeps the KV cache native between steps, left-pads mixed lengths, makes one run per
 * step for the batch, gathers cache rows natively on fork (never re-encoding a prefix) and drops
 * finished rows once they are a quarter of the batch.
 *
 * <p>Value heads read the model's own features through {@link #features()}, whose id is derived from
 * the model file's content, so that a head trained on one model refuses to load against another:
 *
 * <pre>{@code
 * ValueTrainer trainer = MlpValueTrainer.builder().features(lm.features()).build();
 * }</pre>
 *
 * <p>Thread safety: one instance may open and run decodings from several threads at once (ONNX
 * Runtime sessions and the tokenizer are thread safe); each {@link Decoding} is used by one thread.
 * Close the model after its decodings; closing is idempotent, and any other use after close throws
 * {@link IllegalStateException}.
 */
public final class OnnxCausalLM implements BaseModel, AutoCloseable {
  /** Model file names tried in order inside the model directory. */
  public static final List<String> MODEL_FILES = List.of("model.onnx", "onnx/model.onnx", "decoder_model_merged.onnx",
      "decoder_with_past_model.onnx", "onnx/decoder_with_past_model.onnx");
  /** The variant name of the full-precision files, {@link #MODEL_FILES}, as transformers.js calls it. */
  public static final String FP32_VARIANT = "fp32";
  /** Output names tried, in order, for the last hidden state. */
  public static final List<String> HIDDEN_OUTPUTS = List.of("last_hidden_state", "hidden_states", "last_hidden_states");
  /** Config keys tried, in order, for the context length. */
  public static final List<String> CONTEXT_KEYS = List.of("max_position_embeddings", "n_positions", "n_ctx", "max_sequence_length");
  /** The default {@link Builder#promptTruncation}: {@link PromptTruncation#FAIL}. */
  public static final PromptTruncation DEFAULT_PROMPT_TRUNCATION = PromptTruncation.FAIL;
  /** The default execution: the CPU, as many threads per operator as available processors. */
  public static final ExecutionOptions DEFAULT_EXECUTION = ExecutionOptions.allCores();

  private static final Logger LOG = LoggerFactory.getLogger(OnnxCausalLM.class);

  private final ExecutionOptions execution;
  private final Optional<String> variant;
  private final DecoderRuntime runtime;
  private final DecoderSpec spec;
  private final PromptEncoder prompts;
  private final HiddenFeatures hiddenFeatures;
  private final DecodedStates decodedStates;

  private OnnxCausalLM(Builder b) {
    this.execution = b.execution;
    this.hiddenFeatures = b.hiddenFeatures;
    this.decodedStates = b.keepDecodedStates == 0 ? DecodedStates.NONE : new DecodedStates(b.keepDecodedStates);
    this.variant = b.variant;
    ModelDirectory files = ModelDirectory.read(b.directory, b.prependBos, b.variant);
    this.prompts = new PromptEncoder(files, b.chat, b.systemPrompt, b.promptTruncation);
    this.runtime = DecoderRuntime.open(files, execution);
    this.spec = runtime.spec();
    LOG.debug("loaded {}", this);
  }

  /** Returns a builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads the model in {@code directory} with default settings ({@link #DEFAULT_EXECUTION}).
   *
   * @throws IllegalArgumentException if the directory or a file in it is missing or wrong
   */
  public static OnnxCausalLM load(Path directory) {
    return builder().modelDirectory(directory).build();
  }

  /** Returns a builder holding this model's settings. */
  public Builder toBuilder() {
    Builder b = new Builder().modelDirectory(spec.directory()).execution(execution).prependBos(prependsBos());
    prompts.chat().ifPresent(b::chat);
    prompts.systemPrompt().ifPresent(b::systemPrompt);
    variant.ifPresent(b::variant);
    return b.promptTruncation(prompts.truncation()).hiddenFeatures(hiddenFeatures)
        .keepDecodedStates(decodedStates.maxBytes());
  }

  private void checkOpen() {
    runtime.checkOpen();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Every prompt must leave room for at least one new token in the model's context, or is cut to
   * its end by {@link PromptTruncation#KEEP_END} when the model was built so.
   *
   * @throws IllegalArgumentException if a prompt is too long for the context and the truncation is
   *     {@link PromptTruncation#FAIL} (the message names the prompt's index, its length and the
   *     context), or a prompt encodes to no token
   */
  @Override
  public Decoding open(List<String> prompts, Sampling sampling, long seed) {
    checkOpen();
    Objects.requireNonNull(prompts, "prompts");
    Objects.requireNonNull(sampling, "sampling");
    Preconditions.checkArgument(!prompts.isEmpty(), "prompts must not be empty");
    return openPrompts(Prompt.ofTexts(prompts), sampling, seed);
  }

  /**
   * {@inheritDoc}
   *
   * <p>A model built with a chat template renders each prompt's whole conversation (system
   * message, earlier turns, the last user message) with the generation prompt; the builder's
   * {@link Builder#systemPrompt system prompt} goes first unless the conversation opens with its
   * own. A model without one reads plain-text prompts only. Lengths are checked as in {@link #open}.
   *
   * @throws UnsupportedOperationException if a prompt is a conversation and the model has no chat
   *     template (the message names the prompt's index and roles)
   */
  @Override
  public Decoding openPrompts(List<Prompt> prompts, Sampling sampling, long seed) {
    checkOpen();
    Objects.requireNonNull(prompts, "prompts");
    Objects.requireNonNull(sampling, "sampling");
    Preconditions.checkArgument(!prompts.isEmpty(), "prompts must not be empty");
    int[][] encoded = this.prompts.encodeAll(runtime.tokenizer(), prompts);
    List<String> texts = prompts.stream().map(Prompt::text).toList();
    return new OnnxDecoding(runtime, texts, encoded, this.prompts.eosIds(), sampling, seed, hiddenFeatures, decodedStates);
  }

  /**
   * Opens a batch on prompts given as token ids, fed to the model verbatim: no BOS, chat template or
   * other special token is added and nothing is truncated; what {@link #encodePrompt} gives is what a
   * text prompt would feed. Otherwise as {@link #open}: rows sample, finish and fork alike, so a
   * prompt's ids from {@code encodePrompt} decode as {@code open} on its text does. A row's
   * {@link Decoding#prompt} is {@link #decode} of its ids (special tokens skipped). This is how a
   * server answers a client that tokenises itself and sends ids (OpenAI's token-array prompts).
   *
   * @param promptIds one array of ids per row, at least one
   * @throws IllegalArgumentException if there are no prompts, a prompt is empty, an id lies outside
   *     the vocabulary, or a prompt leaves no room for a new token in the context (the message
   *     names the prompt's index)
   */
  public Decoding openTokens(List<int[]> promptIds, Sampling sampling, long seed) {
    checkOpen();
    Objects.requireNonNull(promptIds, "promptIds");
    Objects.requireNonNull(sampling, "sampling");
    Preconditions.checkArgument(!promptIds.isEmpty(), "promptIds must not be empty");
    int[][] encoded = prompts.checkIds(promptIds, spec.vocabularySize());
    List<String> texts = new ArrayList<>(encoded.length);
    for (int[] ids : encoded) {
      texts.add(runtime.decode(ids));
    }
    return new OnnxDecoding(runtime, texts, encoded, this.prompts.eosIds(), sampling, seed, hiddenFeatures, decodedStates);
  }

  /**
   * The prompt's token ids as fed to the model: BOS first when {@link #prependsBos()}, then the
   * tokenizer's ids without other special tokens; with {@link PromptTruncation#KEEP_END}, cut to
   * {@code contextLength() - 1} ids when longer.
   */
  public int[] encodePrompt(String prompt) {
    checkOpen();
    return prompts.encode(runtime.tokenizer(), prompt);
  }

  /**
   * A prompt record's token ids as fed to the model: a chat model's rendered conversation (see
   * {@link #openPrompts}), else as {@link #encodePrompt(String)} on its text.
   *
   * @throws UnsupportedOperationException if the record is a conversation and the model has no chat template
   */
  public int[] encodePrompt(Prompt prompt) {
    checkOpen();
    return prompts.encode(runtime.tokenizer(), Objects.requireNonNull(prompt, "prompt"));
  }

  /** The tokenizer's ids of {@code text}, without BOS or any other special token. */
  public int[] encode(String text) {
    checkOpen();
    return runtime.tokenizer().encode(text);
  }

  /** {@inheritDoc} Special tokens are skipped. */
  @Override
  public String decode(int[] tokens) {
    return runtime.decode(tokens);
  }

  /**
   * The features of every prefix state of a response, from one forward pass (or, for a response a
   * decoding of this model kept, {@link Builder#keepDecodedStates}, from its states): row 0 is the
   * state after the prompt, row j the state after the first j response tokens; each row the last
   * hidden state, pooled as {@link #hiddenFeatures()} says. For value-function training: a
   * response's prefix states and their features in one call.
   *
   * @return {@code responseTokens.length + 1} rows of {@code features().dimension()} values
   * @throws UnsupportedOperationException if the graph has no hidden-state output
   * @throws IllegalArgumentException if prompt and response exceed the context
   */
  public float[][] prefixFeatures(String prompt, int[] responseTokens) {
    return prefixFeatures(Prompt.of(Objects.requireNonNull(prompt, "prompt")), responseTokens);
  }

  /**
   * As {@link #prefixFeatures(String, int[])} for a prompt record: a chat model reads its whole
   * conversation, as in {@link #openPrompts}.
   *
   * @throws UnsupportedOperationException if the graph has no hidden-state output, or the record is
   *     a conversation and the model has no chat template
   */
  public float[][] prefixFeatures(Prompt prompt, int[] responseTokens) {
    Objects.requireNonNull(responseTokens, "responseTokens");
    String out = spec.hiddenOutput().orElseThrow(this::noHiddenState);
    int[] ids = encodePrompt(prompt);
    float[][] kept = decodedStates.take(ids, responseTokens);
    return hiddenFeatures.ofPrefixes(kept != null ? kept : runtime.prefixFeatures(ids, responseTokens, out));
  }

  /**
   * {@link #prefixFeatures(Prompt, int[])} of many responses from few forward passes: the sequences
   * (prompt, then response) are sorted by length and run many rows per pass, left-padded, each pass
   * at most 2048 padded tokens (or one longer sequence alone). Equal to one call per response up to
   * float rounding. A response whose states a decoding of this model kept
   * ({@link Builder#keepDecodedStates}) takes them instead of a pass.
   *
   * @param prompts the prompts, encoded as {@link #encodePrompt(Prompt)} encodes them (a chat model
   *     renders each conversation)
   * @param responseTokens each prompt's response, as many as prompts, each possibly empty
   * @return per response, in order, its length + 1 rows of {@code features().dimension()} values
   * @throws UnsupportedOperationException if the graph has no hidden-state output, or a prompt is a
   *     conversation and the model has no chat template
   * @throws IllegalArgumentException naming the response's index, if a prompt encodes to nothing, a
   *     token id lies outside the vocabulary or a prompt and its response exceed the context; or if
   *     the lists differ in size
   */
  public List<float[][]> prefixFeatures(List<Prompt> prompts, List<int[]> responseTokens) {
    return prefixFeatures(prompts, responseTokens, PrefixPass.DEFAULT_TOKEN_BUDGET);
  }

  /** {@link #prefixFeatures(List, List)} in passes of at most {@code tokenBudget} padded tokens. */
  List<float[][]> prefixFeatures(List<Prompt> prompts, List<int[]> responseTokens, int tokenBudget) {
    checkOpen();
    Objects.requireNonNull(responseTokens, "responseTokens");
    String out = spec.hiddenOutput().orElseThrow(this::noHiddenState);
    List<int[]> ids = this.prompts.encodeEach(runtime.tokenizer(), Objects.requireNonNull(prompts, "prompts"));
    PrefixPass pass = new PrefixPass(runtime, tokenBudget);
    List<float[][]> hidden = decodedStates.takeOrRun(ids, responseTokens,
        (passIds, passResponses, names) -> pass.run(passIds, passResponses, out, names));
    return hidden.stream().map(hiddenFeatures::ofPrefixes).toList();
  }

  /**
   * The store of states this model's decodings kept ({@link Builder#keepDecodedStates}), for tests
   * and probes.
   */
  DecodedStates decodedStates() {
    return decodedStates;
  }

  private UnsupportedOperationException noHiddenState() {
    return new UnsupportedOperationException("ONNX model " + spec.modelFile() + " has no hidden-state output (one of "
        + HIDDEN_OUTPUTS + "); use a text encoder for value features");
  }

  /**
   * The model's own features for value heads: its last hidden state (with the mean of the
   * response's hidden states next to it when built with {@link HiddenFeatures#LAST_AND_MEAN}), as a
   * {@link ModelFeatures} whose training features come from {@link #prefixFeatures(List, List)},
   * with {@code "sha256-<hex>"} as its model name, hex being the SHA-256 of the model's ONNX file
   * followed by its external-data files, if any.
   * The id, {@code "model:sha256-<hex>:last_hidden_state:<hiddenSize>"} (or
   * {@code ":last_and_mean_hidden_state:<2 * hiddenSize>"}), thus names the weights and the features
   * themselves: a head saved with this model loads against any copy of the same file, wherever it
   * lies, and against a model with other weights fails with an error naming both ids. The hash is
   * computed on the first call, reading the file once in a stream (expect a few seconds per
   * gigabyte), and kept for the model's life; every call returns a source with the same id.
   *
   * @throws UnsupportedOperationException if the graph has no hidden-state output
   *     ({@link #hiddenSize()} is empty): value heads of such a model read text features instead
   *     ({@code ai.iro.onnx.features.TextFeatures})
   * @throws java.io.UncheckedIOException if the model file cannot be read
   */
  public ModelFeatures features() {
    checkOpen();
    if (spec.hiddenOutput().isEmpty()) {
      throw noHiddenState();
    }
    ModelFeatures.PrefixFeatures prefixes = new ModelFeatures.PrefixFeatures() {
      @Override
      public float[][] prefixFeatures(String prompt, int[] responseTokens) {
        return OnnxCausalLM.this.prefixFeatures(prompt, responseTokens);
      }

      @Override
      public float[][] prefixFeatures(Prompt prompt, int[] responseTokens) {
        return OnnxCausalLM.this.prefixFeatures(prompt, responseTokens);
      }

      @Override
      public List<float[][]> prefixFeatures(List<Prompt> prompts, List<int[]> responseTokens) {
        return OnnxCausalLM.this.prefixFeatures(prompts, responseTokens);
      }
    };
    return new ModelFeatures("sha256-" + spec.weightsSha256(), hiddenFeatures.featureName(),
        hiddenFeatures.dimension(spec.hiddenWidth()), prefixes);
  }

  /** Which hidden states make the features ({@link Builder#hiddenFeatures}). */
  public HiddenFeatures hiddenFeatures() {
    return hiddenFeatures;
  }

  /**
   * The logits at every position of {@code inputIds} (fed as they are, no BOS added), by one full
   * forward pass without a cache: the naive reference that cached decoding is tested against.
   *
   * @return {@code inputIds.length} rows of {@link #vocabularySize()} logits
   */
  public float[][] logits(int[] inputIds) {
    Objects.requireNonNull(inputIds, "inputIds");
    return runtime.fullForward(inputIds, DecoderSpec.LOGITS, spec.vocabularySize());
  }

  /** The model directory. */
  public Path directory() {
    return spec.directory();
  }

  /** The ONNX file in use: the only graph, or the with-past graph of a {@code decoder_model.onnx} pair. */
  public Path modelFile() {
    return spec.modelFile();
  }

  /** What happens to a prompt too long for the context. */
  public PromptTruncation promptTruncation() {
    return prompts.truncation();
  }

  /** The export variant asked for with {@link Builder#variant}; empty when none was. */
  public Optional<String> variant() {
    return variant;
  }

  /** Where the model runs and its threads per operator. */
  public ExecutionOptions execution() {
    return execution;
  }

  /** The tokenizer, owned by this model (closed with it). */
  public TextTokenizer tokenizer() {
    return runtime.tokenizer();
  }

  /** The number of transformer layers, read from the graph's past inputs. */
  public int layers() {
    return spec.layers();
  }

  /** The number of key/value heads, read from the graph (fewer than query heads with grouped-query attention). */
  public int keyValueHeads() {
    return spec.kvHeads();
  }

  /** The size of one attention head, read from the graph. */
  public int headSize() {
    return spec.headSize();
  }

  /** The width of the logits: the number of token ids the model scores. */
  public int vocabularySize() {
    return spec.vocabularySize();
  }

  /** The width of the hidden state, if the graph exports it. */
  public Optional<Integer> hiddenSize() {
    return spec.hiddenOutput().map(h -> spec.hiddenWidth());
  }

  /** The name of the hidden-state output, if any. */
  public Optional<String> hiddenOutput() {
    return spec.hiddenOutput();
  }

  /** The most positions a sequence may have ({@link Integer#MAX_VALUE} when config.json names none). */
  public int contextLength() {
    return spec.contextLength();
  }

  /** The id fed for padding. */
  public int padTokenId() {
    return spec.padId();
  }

  /** The ids that end a response: the configs' end-of-sequence ids, and a chat template's end of turn. */
  public Set<Integer> eosTokenIds() {
    return prompts.eosIds();
  }

  /** The chat template prompts are rendered with, when this model was built with one. */
  public Optional<ChatTemplate> chatTemplate() {
    return prompts.chat();
  }

  /** The special ids put before every prompt (the BOS id for most models that add one); empty when none. */
  public List<Integer> promptPrefix() {
    return spec.promptPrefix();
  }

  /** The first id of {@link #promptPrefix()}, if any: the BOS id of most models that add one. */
  public Optional<Integer> bosTokenId() {
    return spec.promptPrefix().stream().findFirst();
  }

  /** Whether prompts start with special tokens ({@link #promptPrefix()} is not empty). */
  public boolean prependsBos() {
    return !spec.promptPrefix().isEmpty();
  }

  /** Whether {@link #close} was called. */
  public boolean isClosed() {
    return runtime.isClosed();
  }

  /** Frees the sessions and the tokenizer. Idempotent; decodings of this model must be closed first. */
  @Override
  public void close() {
    runtime.close();
  }

  @Override
  public String toString() {
    return "OnnxCausalLM{" + spec + ", execution=" + execution + "}";
  }

  /**
   * Builder of {@link OnnxCausalLM}; {@link #build()} loads the model. Setters validate their
   * argument.
   */
  public static final class Builder {
    private Path directory;
    private ExecutionOptions execution = DEFAULT_EXECUTION;
    private Optional<Boolean> prependBos = Optional.empty();
    private Optional<String> variant = Optional.empty();
    private PromptTruncation promptTruncation = DEFAULT_PROMPT_TRUNCATION;
    private Optional<ChatTemplate> chat = Optional.empty();
    private Optional<String> systemPrompt = Optional.empty();
    private HiddenFeatures hiddenFeatures = HiddenFeatures.LAST;
    private long keepDecodedStates;

    private Builder() {}

    /**
     * Keeps up to {@code maxBytes} of the hidden states this model's decodings compute for the
     * responses they finish, so that {@link OnnxCausalLM#prefixFeatures(List, List)} of those
     * responses (value training right after the search that sampled them, in {@code Aligner})
     * takes them instead of running the model over each response again, about a quarter of an IRO
     * iteration's wall time on the shipped model. A decoding records every row's states while it
     * runs (rows x tokens x hiddenSize floats, outside {@code maxBytes}, freed as rows are dropped)
     * and hands a row over once it has finished, when a reorder drops it or the decoding closes;
     * rows a search turned away are handed over too and never taken. Each response's states are
     * taken once; past {@code maxBytes} the oldest are dropped and computed by a pass when asked
     * for; a response decoded again replaces what was kept for it, so what training takes never
     * depends on what the model decoded before. The states come from the decoding's own passes
     * (left-padded batches, a KV cache), so they equal a fresh pass's up to float rounding, not bit
     * for bit: heads trained on them differ from heads trained without this setting by that much,
     * and so do the searches they guide. Every decoding of the model records while this is set,
     * those of a policy that only generates too, and what nobody takes stays held (at most
     * {@code maxBytes}) until newer responses push it out. Each response costs
     * {@code (length + 1) * hiddenSize * 4} bytes (33 x 192 x 4 = 25 KiB on the shipped model);
     * decodings whose longest response would not fit record nothing. Default: 0, none kept.
     *
     * @param maxBytes the most bytes kept, 0 for none
     * @throws IllegalArgumentException if {@code maxBytes} is negative
     */
    public Builder keepDecodedStates(long maxBytes) {
      Preconditions.checkArgument(maxBytes >= 0, "keepDecodedStates must not be negative, found %s", maxBytes);
      this.keepDecodedStates = maxBytes;
      return this;
    }

    /**
     * Which hidden states make the value features: {@link HiddenFeatures#LAST} (the default) or
     * {@link HiddenFeatures#LAST_AND_MEAN}, the last and the mean over the response. Heads load only
     * against the kind they were trained on (it is part of {@link OnnxCausalLM#features()}'s id).
     */
    public Builder hiddenFeatures(HiddenFeatures kind) {
      this.hiddenFeatures = Objects.requireNonNull(kind, "kind");
      return this;
    }

    /**
     * Makes this a chat model: each prompt is the user's message, rendered with {@code template}
     * ({@code ChatTemplate.load(directory)} reads the model's own) and its generation prompt; a
     * response also ends at the template's end of turn. Rewards and value functions still read the
     * user's text as the prompt. Default: none (plain-text prompts).
     */
    public Builder chat(ChatTemplate template) {
      this.chat = Optional.of(template);
      return this;
    }

    /** A system message put before every prompt of a chat model. Default: none. */
    public Builder systemPrompt(String system) {
      this.systemPrompt = Optional.of(Objects.requireNonNull(system, "system"));
      return this;
    }

    /** Sets the model directory. Required. */
    public Builder modelDirectory(Path directory) {
      this.directory = Objects.requireNonNull(directory, "directory");
      return this;
    }

    /**
     * What to do with a prompt whose encoding leaves no room for a new token in the context:
     * {@link PromptTruncation#FAIL} refuses it, {@link PromptTruncation#KEEP_END} keeps the special
     * prefix and the prompt's last tokens. Default: {@link OnnxCausalLM#DEFAULT_PROMPT_TRUNCATION}.
     */
    public Builder promptTruncation(PromptTruncation truncation) {
      this.promptTruncation = Objects.requireNonNull(truncation, "truncation");
      return this;
    }

    /**
     * Loads one export variant of the directory, as transformers.js names them: {@code "q4"} loads
     * {@code onnx/model_q4.onnx} (or {@code model_q4.onnx}, or {@code decoder_model_merged_q4.onnx}),
     * likewise {@code "quantized"}, {@code "int8"}, {@code "uint8"}, {@code "q4f16"}, {@code "bnb4"},
     * {@code "fp16"}; {@code "fp32"} loads the full-precision {@link OnnxCausalLM#MODEL_FILES}. The
     * graph must still take float32 past inputs. Default: none, the first of
     * {@link OnnxCausalLM#MODEL_FILES} present. {@link #build()} fails, listing the directory's ONNX
     * files, when the variant is absent.
     *
     * @throws IllegalArgumentException if {@code variant} is not letters, digits and underscores
     */
    public Builder variant(String variant) {
      Objects.requireNonNull(variant, "variant");
      Preconditions.checkArgument(variant.matches("[A-Za-z0-9_]+"),
          "variant must be letters, digits and underscores (such as q4 or quantized), found \"%s\"", variant);
      this.variant = Optional.of(variant);
      return this;
    }

    /**
     * Where the model runs and its threads per operator. Default: {@link OnnxCausalLM#DEFAULT_EXECUTION},
     * the CPU with one thread per available processor. The KV-cache gathers run on the same device
     * with one thread.
     */
    public Builder execution(ExecutionOptions execution) {
      this.execution = Objects.requireNonNull(execution, "execution");
      return this;
    }

    /**
     * Overrides whether prompts start with the BOS token (true: the tokenizer's {@code bos_token},
     * else the configs' {@code bos_token_id}). Default: what the tokenizer adds to a single text
     * ({@link OnnxCausalLM#promptPrefix()}).
     */
    public Builder prependBos(boolean prepend) {
      this.prependBos = Optional.of(prepend);
      return this;
    }

    /**
     * Loads the model.
     *
     * @throws IllegalStateException if no model directory was set, or the device cannot be used (the
     *     message names the provider, the device and what is missing)
     * @throws IllegalArgumentException if the directory or a file in it is missing or wrong (the
     *     message names the file and what was expected)
     */
    public OnnxCausalLM build() {
      Preconditions.checkState(systemPrompt.isEmpty() || chat.isPresent(), "a systemPrompt needs a chat template");
      Preconditions.checkState(directory != null, "modelDirectory is required");
      return new OnnxCausalLM(this);
    }
  }
}
