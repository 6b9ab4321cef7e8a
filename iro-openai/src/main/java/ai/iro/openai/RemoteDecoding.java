package ai.iro.openai;

import ai.iro.core.model.Decoding;
import ai.iro.core.model.FinishReason;
import ai.iro.core.model.Sampling;
import ai.iro.openai.internal.Completions;
import ai.iro.openai.internal.Completions.Choice;
import ai.iro.openai.internal.HttpTransport;
import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * A batch of rows of an {@link OpenAiCompatibleModel}. A row is its prompt plus its response so far
 * (token ids in token mode, code points in text mode); the server keeps nothing between calls.
 * {@link #extend} sends the live rows in one completions request, grouped by {@link RowGroups}:
 * with {@link Seeding#REQUEST} the distinct states, each sampled {@code n} times where {@code n} is
 * the largest number of rows sharing a state, the {@code j}-th row of a state taking the state's
 * {@code j}-th sample; with {@link Seeding#ROW_STREAMS} the live rows in row order, runs of equal
 * states sent once with {@code n}, so that live row {@code k} is the request's row {@code k}. {@link #reorder} copies rows;
 * nothing is sent. A failed request leaves every row as it was.
 */
final class RemoteDecoding implements Decoding {
  private final OpenAiCompatibleModel model;
  private final HttpTransport transport;
  private final List<String> prompts;
  /** Token mode: the prompt's token ids; text mode: null. */
  private final int[][] promptIds;
  /** The prompts as sent (after the model's prompt format). */
  private final String[] promptTexts;
  private final Sampling sampling;
  private final SplittableRandom seeds;
  private Row[] rows;
  private long generated;
  private boolean closed;

  /** One row's state; shared by forks, never changed (the text cache aside). */
  private static final class Row {
    final int prompt;
    /** Token mode: response token ids; text mode: the response's code points. */
    final int[] tokens;
    /** Model tokens counted against the length limit (text mode: as the server reported or estimated). */
    final int modelTokens;
    final FinishReason finish;
    private String text;

    Row(int prompt, int[] tokens, String text, int modelTokens, FinishReason finish) {
      this.prompt = prompt;
      this.tokens = tokens;
      this.text = text;
      this.modelTokens = modelTokens;
      this.finish = finish;
    }
  }

  /** The identity of a row's state: rows with equal keys send equal prompts. */
  private record StateKey(int prompt, List<Integer> tokens) {
    static StateKey of(Row row) {
      return new StateKey(row.prompt, Arrays.stream(row.tokens).boxed().toList());
    }
  }

  /**
   * Opens rows reporting {@code prompts} and sending {@code sent}, the same prompts after the model's
   * prompt or chat format.
   */
  RemoteDecoding(OpenAiCompatibleModel model, HttpTransport transport, List<String> prompts, List<String> sent,
      Sampling sampling, long seed) {
    this.model = model;
    this.transport = transport;
    this.prompts = List.copyOf(prompts);
    this.sampling = sampling;
    this.seeds = new SplittableRandom(seed);
    this.promptTexts = new String[prompts.size()];
    this.promptIds = model.tokenizer().isPresent() ? new int[prompts.size()][] : null;
    this.rows = new Row[prompts.size()];
    for (int i = 0; i < rows.length; i++) {
      promptTexts[i] = sent.get(i);
      if (promptIds != null) {
        promptIds[i] = model.tokenizer().get().encode(promptTexts[i]);
        Preconditions.checkArgument(promptIds[i].length > 0, "prompt %s encodes to no tokens: \"%s\"", i,
            promptTexts[i]);
      }
      rows[i] = new Row(i, new int[0], "", 0, null);
    }
  }

  private void checkOpen() {
    Preconditions.checkState(!closed, "decoding is closed");
  }

  private boolean tokenMode() {
    return promptIds != null;
  }

  @Override
  public int size() {
    checkOpen();
    return rows.length;
  }

  @Override
  public void extend(int maxTokens) {
    checkOpen();
    Preconditions.checkArgument(maxTokens >= 1, "maxTokens must be at least 1, found %s", maxTokens);
    Object[] keys = new Object[rows.length];
    for (int r = 0; r < rows.length; r++) {
      if (rows[r].finish == null) {
        keys[r] = model.parallelSampling() || sampling.isGreedy() ? StateKey.of(rows[r]) : Integer.valueOf(r);
      }
    }
    // Greedy decoding is deterministic: one sample serves every row of a state. Sampling with row
    // streams sends the live rows in row order (Seeding.ROW_STREAMS); else distinct states, n each.
    RowGroups groups = sampling.isGreedy() ? RowGroups.byState(keys, true)
        : model.seeding() == Seeding.ROW_STREAMS ? RowGroups.byRuns(keys) : RowGroups.byState(keys, false);
    if (groups.sent.length == 0) {
      return;
    }
    int n = groups.n;
    int room = 0;
    List<Object> sent = new ArrayList<>(groups.sent.length);
    for (int r : groups.sent) {
      Row row = rows[r];
      room = Math.max(room, sampling.maxNewTokens() - row.modelTokens);
      sent.add(tokenMode() ? concat(promptIds[row.prompt], row.tokens) : promptTexts[row.prompt] + text(row));
    }
    int length = Math.min(maxTokens, room);
    OptionalLong seed = model.seeded() ? OptionalLong.of(seeds.nextInt(Integer.MAX_VALUE)) : OptionalLong.empty();
    Completions.Settings settings = new Completions.Settings(model.model(), n, length, sampling, seed,
        model.samplingExtensions(), tokenMode() ? Optional.of(model.tokenIds()) : Optional.empty());
    HttpTransport.Reply reply = transport.post(Completions.PATH, Completions.request(sent, settings));
    String what = "POST " + transport.url(Completions.PATH) + " (" + sent.size() + " prompts, n = " + n + ")";
    Choice[][] choices = Completions.parse(reply, what, sent.size(), settings,
        tokenMode() ? model.tokenizer().get().vocabularySize() : 0);
    model.record(Completions.usage(reply.body()));
    // Every row's successor is computed before any is stored: a failure leaves the batch unchanged.
    Row[] next = rows.clone();
    Row[][] advanced = new Row[sent.size()][n];
    long added = 0;
    for (int r = 0; r < rows.length; r++) {
      int p = groups.prompt[r];
      if (p < 0) {
        continue;
      }
      int s = groups.sample[r];
      Row successor = advanced[p][s];
      if (successor == null) {
        successor = advance(rows[groups.sent[p]], choices[p][s], length);
        advanced[p][s] = successor;
      }
      next[r] = successor;
      added += successor.modelTokens - rows[r].modelTokens;
      // The end-of-sequence token was sampled but is not part of the returned ids (iro serve, like a
      // local decoding, leaves it out): count it, as a local decoding counts it.
      if (tokenMode() && successor.finish == FinishReason.END_OF_SEQUENCE) {
        added++;
      }
    }
    rows = next;
    generated += added;
  }

  /** The row after one choice: appended, cut at a stop string, finished as the choice and the limits say. */
  private Row advance(Row row, Choice choice, int requested) {
    int limit = sampling.maxNewTokens();
    if (tokenMode()) {
      int[] ids = choice.tokenIds().orElseThrow();
      int[] tokens = concat(row.tokens, Arrays.copyOf(ids, Math.min(ids.length, limit - row.modelTokens)));
      int added = tokens.length - row.tokens.length;
      int cut = stopCut(row.tokens.length, tokens);
      if (cut >= 0) {
        int[] kept = Arrays.copyOf(tokens, cut);
        int used = row.modelTokens + kept.length - row.tokens.length;
        // As a local decoding: a stop string on the last token allowed ends the row at its length.
        return new Row(row.prompt, kept, null, used, used >= limit ? FinishReason.LENGTH : FinishReason.STOP_STRING);
      }
      FinishReason finish = null;
      if (choice.finish() == Completions.Finish.STOP) {
        finish = choice.stopString().isPresent() ? FinishReason.STOP_STRING : FinishReason.END_OF_SEQUENCE;
      } else if (row.modelTokens + added >= limit || ids.length < requested) {
        // Fewer tokens than asked for with "length": the server reached the model's context.
        finish = FinishReason.LENGTH;
      }
      return new Row(row.prompt, tokens, null, row.modelTokens + added, finish);
    }
    String before = text(row);
    String add = choice.text();
    // A server that strips the stop string but names it (vLLM's stop_reason) gets it put back: stop
    // strings stay in the text, as with a local model.
    if (choice.finish() == Completions.Finish.STOP && choice.stopString().isPresent()
        && !(before + add).endsWith(choice.stopString().get())) {
      add += choice.stopString().get();
    }
    String text = before + add;
    int count = choice.finish() == Completions.Finish.LENGTH ? requested
        : Math.min(requested, add.codePointCount(0, add.length()));
    FinishReason finish = null;
    int end = stopEnd(before.length(), text);
    if (end >= 0) {
      text = text.substring(0, end);
      finish = FinishReason.STOP_STRING;
    } else if (choice.finish() == Completions.Finish.STOP) {
      finish = FinishReason.END_OF_SEQUENCE;
    } else if (row.modelTokens + count >= limit) {
      finish = FinishReason.LENGTH;
    }
    return new Row(row.prompt, text.codePoints().toArray(), text, row.modelTokens + count, finish);
  }

  /**
   * Token mode: the length of the shortest response whose text holds a stop string, if the text
   * of {@code tokens} holds one and its first {@code before} tokens did not; else -1.
   */
  private int stopCut(int before, int[] tokens) {
    if (sampling.stopStrings().isEmpty() || stopEnd(0, model.decode(tokens)) < 0) {
      return -1;
    }
    for (int k = before + 1; k < tokens.length; k++) {
      if (stopEnd(0, model.decode(Arrays.copyOf(tokens, k))) >= 0) {
        return k;
      }
    }
    return tokens.length;
  }

  /**
   * The end of the earliest-ending stop string in {@code text} that ends after {@code from}
   * characters (a new occurrence), or -1.
   */
  private int stopEnd(int from, String text) {
    int best = -1;
    for (String stop : sampling.stopStrings()) {
      int at = text.indexOf(stop, Math.max(0, from - stop.length() + 1));
      if (at >= 0 && (best < 0 || at + stop.length() < best)) {
        best = at + stop.length();
      }
    }
    return best;
  }

  private String text(Row row) {
    if (row.text == null) {
      row.text = model.decode(row.tokens);
    }
    return row.text;
  }

  private static int[] concat(int[] a, int[] b) {
    int[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public void reorder(int[] indices) {
    checkOpen();
    Preconditions.checkArgument(indices.length > 0, "reorder needs at least one row");
    Row[] next = new Row[indices.length];
    for (int i = 0; i < indices.length; i++) {
      Preconditions.checkArgument(indices[i] >= 0 && indices[i] < rows.length, "row %s out of range [0, %s)",
          indices[i], rows.length);
      next[i] = rows[indices[i]];
    }
    rows = next;
  }

  private Row row(int row) {
    checkOpen();
    Preconditions.checkElementIndex(row, rows.length, "row");
    return rows[row];
  }

  @Override
  public int promptIndex(int row) {
    return row(row).prompt;
  }

  @Override
  public String prompt(int row) {
    return prompts.get(row(row).prompt);
  }

  @Override
  public int[] responseTokens(int row) {
    return row(row).tokens.clone();
  }

  @Override
  public int responseLength(int row) {
    return row(row).tokens.length;
  }

  @Override
  public String responseText(int row) {
    return text(row(row));
  }

  @Override
  public boolean isFinished(int row) {
    return row(row).finish != null;
  }

  @Override
  public Optional<FinishReason> finishReason(int row) {
    return Optional.ofNullable(row(row).finish);
  }

  @Override
  public boolean allFinished() {
    checkOpen();
    for (Row r : rows) {
      if (r.finish == null) {
        return false;
      }
    }
    return true;
  }

  /** Empty: hidden states do not cross the wire; value heads read text features instead. */
  @Override
  public Optional<float[][]> features() {
    checkOpen();
    return Optional.empty();
  }

  @Override
  public long tokensGenerated() {
    checkOpen();
    return generated;
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "RemoteDecoding{rows=" + (closed ? "closed" : rows.length) + ", model=" + model.model() + "}";
  }
}
