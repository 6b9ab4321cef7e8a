package ai.iro.openai;

/**
 * What the server does with a completions request's {@code seed}, which decides how a decoding
 * groups its live rows into the prompts and choices of one request.
 */
public enum Seeding {
  /**
   * One seed for the whole request, as vLLM and SGLang take it: every prompt of the list gets the
   * seed and, with {@code n > 1}, sample {@code j} of a prompt its own stream. Rows in one state are
   * therefore sent once and sampled {@code n} times ({@link OpenAiCompatibleModel.Builder#parallelSampling}),
   * so that forks never share a stream. The same batch seed sends the same requests; the tokens are
   * the server's, not those a local model would draw.
   */
  REQUEST,
  /**
   * The library's decoding randomness contract, as {@code iro serve} implements it: the {@code k}-th
   * row of a request (prompt {@code k / n}, choice {@code k % n}) samples from
   * {@code new SplittableRandom(Decoding.streamSeed(seed, k))}. A decoding then sends its live rows in
   * row order, so that its {@code k}-th live row is the request's row {@code k}, and the request's seed
   * is the extend seed of {@link ai.iro.core.model.Decoding#extend(int)}: the same batch seed gives the
   * tokens the same model decoding in this JVM would give ({@code OnnxCausalLM}), up to float rounding.
   * With parallel sampling, consecutive live rows in one state are sent once and sampled {@code n}
   * times when the live rows split into runs of {@code n} such rows (as forks do right after a
   * reorder); otherwise every live row is its own prompt with {@code n = 1}.
   */
  ROW_STREAMS
}
