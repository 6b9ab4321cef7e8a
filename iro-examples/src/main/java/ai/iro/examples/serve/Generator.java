package ai.iro.examples.serve;

import ai.iro.core.AlignedPolicy;
import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.core.search.Candidate;
import ai.iro.core.search.SearchResult;
import ai.iro.onnx.lm.OnnxCausalLM;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns a parsed request and its prompts into choices: {@code n} independent samples per prompt
 * from the base model, or a policy's one search result per prompt, with the request's sampling
 * parameters over the model's or policy's defaults and the stop strings trimmed as OpenAI does.
 */
final class Generator {
  private final OnnxCausalLM model;

  Generator(OnnxCausalLM model) {
    this.model = model;
  }

  /** One generated text, its token ids (the end-of-sequence token included) and its OpenAI {@code finish_reason}. */
  record Choice(String text, int[] tokenIds, String finish) {}

  /** The choices of a request, in prompt order, the ids each prompt was read as, and its token counts. */
  record Result(List<Choice> choices, List<int[]> promptIds, long promptTokens, long completionTokens) {}

  /** Answers text prompts: each is encoded with the model's prompt prefix (BOS) or truncation. */
  Result generate(RequestParser.Request r, List<String> prompts) {
    Sampling sampling = sampling(r);
    List<int[]> ids = new ArrayList<>();
    for (String p : prompts) {
      ids.add(model.encodePrompt(p));
    }
    long promptTokens = checkLengths(ids, sampling);
    if (r.policy().isEmpty()) {
      return sample(r, ids, sampling, promptTokens);
    }
    List<Choice> choices = new ArrayList<>();
    long completionTokens = 0;
    AlignedPolicy policy = r.policy().get();
    policy = policy.withSearcher(policy.searcher().toBuilder().sampling(sampling).build());
    for (SearchResult result : policy.search(prompts, r.seed()).results()) {
      Candidate best = result.best();
      choices.add(new Choice(trim(best.text(), sampling), best.tokens(), finish(best.finishReason())));
      completionTokens += best.tokens().length;
    }
    return new Result(choices, ids, promptTokens, completionTokens);
  }

  /**
   * Answers token-id prompts: the base model reads them verbatim (no BOS or other special token is
   * added), as vLLM does, so a client that tokenises (OpenAiCompatibleModel's token mode) continues
   * exactly the ids it holds.
   */
  Result generateTokens(RequestParser.Request r, List<int[]> prompts) {
    if (r.policy().isPresent()) {
      throw ApiError.invalidParam("prompt", "token-id prompts are for the base model only; the policy "
          + r.model() + " takes text");
    }
    Sampling sampling = sampling(r);
    return sample(r, prompts, sampling, checkLengths(prompts, sampling));
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

  private Result sample(RequestParser.Request r, List<int[]> prompts, Sampling sampling, long promptTokens) {
    // Each prompt is prefilled once and forked n times (its KV cache gathered, never re-encoded).
    int[] forks = new int[prompts.size() * r.n()];
    for (int k = 0; k < forks.length; k++) {
      forks[k] = k / r.n();
    }
    List<Choice> choices = new ArrayList<>();
    long completionTokens = 0;
    try (Decoding d = model.openTokens(prompts, sampling, r.seed())) {
      d.reorder(forks);
      // Row k (prompt k / n, choice k % n) samples from the stream a client's decoding gives its
      // k-th row for extend seed r.seed() (Decoding#extend(int)), so token prompts sent by a remote
      // decoding continue with the tokens its local twin would draw.
      long[] streams = new long[forks.length];
      for (int k = 0; k < streams.length; k++) {
        streams[k] = Decoding.streamSeed(r.seed(), k);
      }
      d.extend(sampling.maxNewTokens(), streams);
      for (int row = 0; row < d.size(); row++) {
        choices.add(new Choice(trim(d.responseText(row), sampling), d.responseTokens(row), finish(d.finishReason(row))));
        completionTokens += d.responseLength(row);
      }
    }
    return new Result(choices, prompts, promptTokens, completionTokens);
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
