package ai.iro.examples.serve;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.search.Candidate;
import ai.iro.core.search.SearchResult;
import ai.iro.onnx.lm.OnnxCausalLM;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Turns a parsed request and its prompts into choices, with the request's sampling parameters over
 * the model's or policy's defaults and the stop strings trimmed as OpenAI does. The base model gives
 * {@code n} independent samples per prompt, decoded by the {@link DecodeBatcher} together with the
 * rows of concurrent requests, each prompt prefilled once and forked {@code n} times; its prompts
 * may be text (encoded with the model's prefix) or token ids (read verbatim). A policy gives the
 * {@code n} best finals of one search per prompt ({@link #ranked}). With a {@link Pieces} sink the
 * text is handed out as it is generated: a base model's token by token, a policy's whole once its
 * search has picked.
 */
final class Generator {
  private final OnnxCausalLM model;
  private final DecodeBatcher batcher;

  Generator(OnnxCausalLM model, DecodeBatcher batcher) {
    this.model = model;
    this.batcher = batcher;
  }

  /** One generated text, its token ids (the end-of-sequence token included) and its OpenAI {@code finish_reason}. */
  record Choice(String text, int[] tokenIds, String finish) {}

  /** The choices of a request, in prompt order, the ids each prompt was read as, and its token counts. */
  record Result(List<Choice> choices, List<int[]> promptIds, long promptTokens, long completionTokens) {}

  /** Receives a streamed request's text piece by piece, on the request's thread. */
  interface Pieces {
    /** The next piece of the text of choice {@code choice}; never empty. */
    void piece(int choice, String text) throws IOException;
  }

  /** Answers text prompts: each is encoded with the model's prompt prefix (BOS) or truncation. */
  Result generate(RequestParser.Request r, List<String> prompts, Optional<Pieces> pieces) throws IOException {
    Sampling sampling = sampling(r);
    List<int[]> ids = new ArrayList<>();
    for (String p : prompts) {
      ids.add(model.encodePrompt(p));
    }
    long promptTokens = checkLengths(ids, sampling);
    if (r.policy().isEmpty()) {
      return sample(r, ids, sampling, promptTokens, pieces);
    }
    List<Choice> choices = new ArrayList<>();
    long completionTokens = 0;
    AlignedPolicy policy = r.policy().get();
    policy = policy.withSearcher(policy.searcher().toBuilder().sampling(sampling).build());
    for (SearchResult result : policy.search(prompts, r.seed()).results()) {
      for (Candidate c : ranked(result, r.n())) {
        choices.add(new Choice(trim(c.text(), sampling), c.tokens(), finish(c.finishReason())));
        completionTokens += c.tokens().length;
      }
    }
    if (pieces.isPresent()) {
      for (int i = 0; i < choices.size(); i++) {
        if (!choices.get(i).text().isEmpty()) {
          pieces.get().piece(i, choices.get(i).text());
        }
      }
    }
    return new Result(choices, ids, promptTokens, completionTokens);
  }

  /**
   * Answers token-id prompts: the base model reads them verbatim (no BOS or other special token is
   * added), as vLLM does, so a client that tokenises (OpenAiCompatibleModel's token mode) continues
   * exactly the ids it holds.
   */
  Result generateTokens(RequestParser.Request r, List<int[]> prompts, Optional<Pieces> pieces) throws IOException {
    if (r.policy().isPresent()) {
      throw ApiError.invalidParam("prompt", "token-id prompts are for the base model only; the policy "
          + r.model() + " takes text");
    }
    Sampling sampling = sampling(r);
    return sample(r, prompts, sampling, checkLengths(prompts, sampling), pieces);
  }

  private static Sampling sampling(RequestParser.Request r) {
    Sampling base = r.policy().map(p -> p.searcher().sampling())
        .orElseGet(() -> Sampling.builder().temperature(1).topP(1).topK(0)
            .maxNewTokens(OpenAiServer.DEFAULT_MAX_TOKENS).build());
    Sampling.Builder sb = base.toBuilder();
    r.maxTokens().ifPresent(sb::maxNewTokens);
    r.temperature().ifPresent(sb::temperature);
    r.topP().ifPresent(sb::topP);
    r.topK().ifPresent(sb::topK);
    if (!r.stop().isEmpty()) {
      sb.stopStrings(r.stop());
    }
    if (!r.stopTokenIds().isEmpty()) {
      Set<Integer> ids = new TreeSet<>(base.stopTokenIds());
      ids.addAll(r.stopTokenIds());
      sb.stopTokenIds(ids);
    }
    return sb.build();
  }

  /** The prompts' total length, after checking each against the context and the vocabulary. */
  private long checkLengths(List<int[]> prompts, Sampling sampling) {
    long promptTokens = 0;
    for (int i = 0; i < prompts.size(); i++) {
      int length = prompts.get(i).length;
      if (length + sampling.maxNewTokens() > model.contextLength()) {
        throw ApiError.invalidParam("prompt", "prompt " + i + " has " + length + " tokens; with max_tokens "
            + sampling.maxNewTokens() + " that is over the model's context of " + model.contextLength() + " tokens");
      }
      for (int id : prompts.get(i)) {
        if (id < 0 || id >= model.vocabularySize()) {
          throw ApiError.invalidParam("prompt", "prompt " + i + " has token id " + id + ", outside the vocabulary [0, "
              + model.vocabularySize() + ")");
        }
      }
      promptTokens += length;
    }
    return promptTokens;
  }

  /** Samples {@code n} rows per prompt in the batcher: each prompt prefilled once and forked. */
  private Result sample(RequestParser.Request r, List<int[]> prompts, Sampling sampling, long promptTokens,
      Optional<Pieces> pieces) throws IOException {
    // Row k (prompt k / n, choice k % n) samples from the stream a client's decoding gives its
    // k-th row for extend seed r.seed() (Decoding#extend(int)), so token prompts sent by a remote
    // decoding continue with the tokens its local twin would draw, batched or not.
    long[] streams = new long[prompts.size() * r.n()];
    for (int k = 0; k < streams.length; k++) {
      streams[k] = Decoding.streamSeed(r.seed(), k);
    }
    List<DecodeBatcher.Row> decoded = pieces.isEmpty()
        ? await(batcher.submit(new DecodeBatcher.Job(prompts, r.n(), sampling, streams, Optional.empty())))
        : stream(prompts, r.n(), sampling, streams, pieces.get());
    List<Choice> choices = new ArrayList<>();
    long completionTokens = 0;
    for (DecodeBatcher.Row row : decoded) {
      choices.add(new Choice(trim(row.text(), sampling), row.tokenIds(), finish(row.finish())));
      completionTokens += row.tokenIds().length;
    }
    return new Result(choices, prompts, promptTokens, completionTokens);
  }

  /**
   * The {@code n} finals a policy answers with for one prompt: its pick first, then the others by
   * the pick's key (the reward when the search had one, else the value score; ties: the earlier
   * final), distinct texts before repeated ones; when the search ended with fewer than {@code n}
   * finals the list starts over from the pick.
   */
  static List<Candidate> ranked(SearchResult result, int n) {
    List<Candidate> finals = result.finals();
    List<Integer> order = new ArrayList<>();
    order.add(result.chosenIndex());
    for (int i = 0; i < finals.size(); i++) {
      if (i != result.chosenIndex()) {
        order.add(i);
      }
    }
    order.subList(1, order.size()).sort(Comparator.comparingDouble((Integer i) -> -key(finals.get(i))));
    List<Candidate> distinct = new ArrayList<>();
    List<Candidate> repeated = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i : order) {
      (seen.add(finals.get(i).text()) ? distinct : repeated).add(finals.get(i));
    }
    distinct.addAll(repeated);
    List<Candidate> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(distinct.get(i % distinct.size()));
    }
    return out;
  }

  private static double key(Candidate c) {
    return c.reward().isPresent() ? c.reward().getAsDouble() : c.score();
  }

  /** Decodes in the batcher and hands each row's new text to {@code pieces} as it appears. */
  private List<DecodeBatcher.Row> stream(List<int[]> prompts, int n, Sampling sampling, long[] streams,
      Pieces pieces) throws IOException {
    record Piece(int row, String text) {}
    Piece end = new Piece(-1, "");
    BlockingQueue<Piece> queue = new LinkedBlockingQueue<>();
    int rows = streams.length;
    TextDeltas deltas = new TextDeltas(rows, sampling.stopStrings());
    DecodeBatcher.Watcher watcher = (d, offset) -> {
      for (int i = 0; i < rows; i++) {
        String piece = d.isFinished(offset + i) ? "" : deltas.grow(i, d.responseText(offset + i));
        if (!piece.isEmpty()) {
          queue.add(new Piece(i, piece));
        }
      }
    };
    CompletableFuture<List<DecodeBatcher.Row>> done =
        batcher.submit(new DecodeBatcher.Job(prompts, n, sampling, streams, Optional.of(watcher)));
    done.whenComplete((v, e) -> queue.add(end));
    try {
      for (Piece p = queue.take(); p != end; p = queue.take()) {
        pieces.piece(p.row(), p.text());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while streaming", e);
    }
    List<DecodeBatcher.Row> decoded = await(done);
    for (int i = 0; i < decoded.size(); i++) {
      String rest = deltas.finish(i, trim(decoded.get(i).text(), sampling));
      if (!rest.isEmpty()) {
        pieces.piece(i, rest);
      }
    }
    return decoded;
  }

  private static List<DecodeBatcher.Row> await(CompletableFuture<List<DecodeBatcher.Row>> done) {
    try {
      return done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while decoding", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException("decoding failed: " + e.getCause(), e.getCause());
    }
  }

  /** OpenAI leaves the stop string out of the text. */
  private static String trim(String text, Sampling sampling) {
    int end = text.length();
    for (String s : sampling.stopStrings()) {
      int at = text.indexOf(s);
      if (at >= 0) {
        end = Math.min(end, at);
      }
    }
    return text.substring(0, end);
  }

  private static String finish(Optional<FinishReason> reason) {
    return reason.orElse(FinishReason.LENGTH) == FinishReason.LENGTH ? "length" : "stop";
  }
}
