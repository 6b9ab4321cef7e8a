package ai.iro.core.model;

import ai.iro.core.data.Prompt;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A frozen autoregressive language model that can only be sampled: the pi_0 that IRO aligns
 * without touching its weights.
 *
 * <p>All decoding happens in a {@link Decoding}, a batch of rows opened by {@link #open}. A row
 * keeps its decoding state between calls (a local model keeps a KV cache per row; a remote model
 * remembers text and resends it), so a search can extend rows chunk by chunk, and fork or reorder
 * rows with one call, without recomputing prefixes.
 *
 * <pre>{@code
 * try (Decoding d = model.open(List.of("In the beginning"), Sampling.defaults(), 42L)) {
 *   d.reorder(new int[] {0, 0, 0, 0});     // four rows share the prompt's state
 *   d.extend(16);                           // every live row grows by up to 16 tokens
 *   String text = d.responseText(2);
 * }
 * }</pre>
 *
 * <p>Implementations document their thread safety; a {@code Decoding} is used by one thread.
 */
public interface BaseModel {

  /**
   * Opens a batch with one row per prompt, in order, each with an empty response.
   *
   * @param prompts the prompts, at least one
   * @param sampling how tokens are sampled and when rows finish
   * @param seed the seed of this batch's randomness; the same seed and the same calls give the
   *     same tokens
   * @return a new batch that the caller must close
   * @throws IllegalArgumentException if a prompt cannot be encoded or is longer than the model's
   *     context
   */
  Decoding open(List<String> prompts, Sampling sampling, long seed);

  /**
   * Opens a batch on prompt records, as {@link #open} does on texts: the way {@code Aligner} and
   * {@code AlignedPolicy} open every batch, so that a chat prompt's whole conversation (system
   * message, earlier turns) reaches a model that renders it. Each row's {@link Decoding#prompt} is
   * the record's {@link Prompt#text()}, which is also what reward models read.
   *
   * <p>The default serves models that read text only: it opens the prompts' texts when every
   * prompt {@link Prompt#isPlainText() is plain text}, and refuses any other conversation rather
   * than drop its turns. A model with a chat template overrides it and renders
   * {@link Prompt#conversation()}.
   *
   * @param prompts the prompts, at least one
   * @param sampling how tokens are sampled and when rows finish
   * @param seed the seed of this batch's randomness, as for {@link #open}
   * @return a new batch that the caller must close
   * @throws UnsupportedOperationException if a prompt is a conversation this model cannot render
   *     (the message names the prompt's index and roles)
   * @throws IllegalArgumentException as {@link #open}
   */
  default Decoding openPrompts(List<Prompt> prompts, Sampling sampling, long seed) {
    return open(plainTexts(prompts, getClass().getName()), sampling, seed);
  }

  /**
   * The texts of prompts that are all plain text, for a model that renders no conversation.
   *
   * @param model names the model in the error
   * @throws UnsupportedOperationException if a prompt is a conversation other than one user message
   */
  static List<String> plainTexts(List<Prompt> prompts, String model) {
    Objects.requireNonNull(prompts, "prompts");
    List<String> texts = new ArrayList<>(prompts.size());
    for (int i = 0; i < prompts.size(); i++) {
      Prompt p = Objects.requireNonNull(prompts.get(i), "prompt " + i);
      if (!p.isPlainText()) {
        throw new UnsupportedOperationException("prompt " + i + " is a conversation of " + p.messages().size()
            + " messages " + p.roles() + " and " + model + " reads plain text only; give it a chat template "
            + "(OnnxCausalLM.Builder.chat, OpenAiCompatibleModel.Builder.chatFormat) or plain prompts");
      }
      texts.add(p.text());
    }
    return texts;
  }

  /** Turns response token ids into text, as {@link Decoding#responseText} does. */
  String decode(int[] tokens);
}
